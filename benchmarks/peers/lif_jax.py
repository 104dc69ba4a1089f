"""Noisy LIF neurons (docs/models/lif.md) in JAX on the CPU: the time loop is one jitted lax.scan; the time
reported is that of the compiled call (compilation is timed apart).

    V <- V_inf + (V - V_inf) (1 - dt/tau_m) + sigma sqrt(dt) xi      (forward Euler, NeuroBatch's default integrator)
    V > V_th at the end of a step: spike, V = V_reset, held there for round(t_ref / dt) steps
"""
import time

import numpy as np

from workloads import LIF, lif_outputs, steps


def run(size, threads=None, seed=1):  # threads: the runner pins the process to that many cores
    import jax
    import jax.numpy as jnp
    p = LIF
    currents, trials, n_steps = size["currents"], size["trials"], steps(LIF, size)
    I_nA = np.linspace(p["I_lo_nA"], p["I_hi_nA"], currents)
    dt, tau_m = p["dt_ms"], p["C_nF"] / p["G_L_nS"] * 1e3
    V_inf = jnp.asarray(np.repeat(p["V_L_mV"] + I_nA / p["G_L_nS"] * 1e3, trials), jnp.float32)
    decay, noise = 1 - dt / tau_m, p["sigma_mV_sqrt_ms"] * np.sqrt(dt)
    ref_steps = round(p["t_ref_ms"] / dt)

    def step(carry, key):
        V, refractory, count = carry
        V_free = V_inf + (V - V_inf) * decay + noise * jax.random.normal(key, V.shape, jnp.float32)
        held = refractory > 0
        spike = ~held & (V_free > p["V_th_mV"])
        V = jnp.where(held | spike, jnp.float32(p["V_reset_mV"]), V_free)
        refractory = jnp.where(spike, ref_steps, jnp.maximum(refractory - 1, 0))
        return (V, refractory, count + spike), None

    @jax.jit
    def simulate(key):
        n = V_inf.shape[0]
        init = (jnp.full(n, p["V_init_mV"], jnp.float32), jnp.zeros(n, jnp.int32), jnp.zeros(n, jnp.int32))
        (_, _, count), _ = jax.lax.scan(step, init, jax.random.split(key, n_steps))
        return count

    key = jax.random.key(seed)
    t0 = time.perf_counter()
    compiled = simulate.lower(key).compile()
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    count = np.asarray(compiled(key).block_until_ready())
    sim = time.perf_counter() - t0
    rate = count.reshape(currents, trials) / (size["duration_ms"] * 1e-3)
    return dict(sim_seconds=sim, compile_seconds=compile_s, outputs=lif_outputs(I_nA, rate))
