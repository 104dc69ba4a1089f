"""Wong & Wang (2006) reduced decision model (docs/models/decision.md) in JAX on the CPU: one jitted lax.scan over
the steps, both populations of every trial in (2, trials) arrays; the time reported is that of the compiled call.
Equations and observation rule as in decision_numpy.py.
"""
import time

import numpy as np

from workloads import DECISION, decision_outputs, steps


def run(size, threads=None, seed=1):  # threads: the runner pins the process to that many cores
    import jax
    import jax.numpy as jnp
    p, n, n_steps = DECISION, size["trials"], steps(DECISION, size)
    dt = p["dt_ms"]
    mu = p["mu_0_Hz"] * np.array([1 + p["coherence"], 1 - p["coherence"]])
    stim = jnp.asarray(p["J_ext_nA_per_Hz"] * mu, jnp.float32)[:, None]
    onset = round(p["stim_onset_ms"] / dt)
    a, b, d = p["a_Hz_per_nA"], p["b_Hz"], p["d_s"]
    gamma, inv_tau_S, phi_dt = p["gamma"] * 1e-3, 1 / p["tau_S_ms"], p["phi"] * dt
    noise_decay, noise_amp = dt / p["tau_AMPA_ms"], p["sigma_nA"] * np.sqrt(dt / p["tau_AMPA_ms"])

    def step(carry, inputs):
        S, I_noise, choice, decision_step = carry
        n_step, key = inputs
        on = n_step >= onset
        x = p["J11_nA"] * S - p["J12_nA"] * S[::-1] + p["I_0_nA"] + I_noise + jnp.where(on, stim, 0.0)
        u = a * x - b
        y = d * u
        r = jnp.where(y == 0, 1 / d, u / -jnp.expm1(-jnp.where(y == 0, 1.0, y)))  # F(0) = 1/d
        up = r >= p["threshold_Hz"]
        decided = on & (choice == 0) & (up[0] | up[1])
        first = up[0] & (~up[1] | (r[0] >= r[1]))
        choice = jnp.where(decided, jnp.where(first, 1, 2), choice)
        decision_step = jnp.where(decided, n_step, decision_step)
        S = S + phi_dt * (gamma * r * (1 - S) - S * inv_tau_S)
        I_noise = I_noise + noise_amp * jax.random.normal(key, S.shape, jnp.float32) - noise_decay * I_noise
        return (S, I_noise, choice, decision_step), None

    @jax.jit
    def simulate(key):
        S = jnp.stack([jnp.full(n, p["S1_init"], jnp.float32), jnp.full(n, p["S2_init"], jnp.float32)])
        init = (S, jnp.zeros((2, n), jnp.float32), jnp.zeros(n, jnp.int32), jnp.zeros(n, jnp.int32))
        xs = (jnp.arange(n_steps), jax.random.split(key, n_steps))
        (_, _, choice, decision_step), _ = jax.lax.scan(step, init, xs)
        return choice, decision_step

    key = jax.random.key(seed)
    t0 = time.perf_counter()
    compiled = simulate.lower(key).compile()
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    choice, decision_step = (np.asarray(v) for v in jax.block_until_ready(compiled(key)))
    sim = time.perf_counter() - t0
    return dict(sim_seconds=sim, compile_seconds=compile_s,
                outputs=decision_outputs(choice, (decision_step - onset) * dt))
