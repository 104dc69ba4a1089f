"""The labelled view: dimensions, coordinates and values checked against the spec that made them."""
import numpy as np
import pytest

import neurobatch as nb
from conftest import MODEL_SPECS

GRID = {
    "model": "lif", "duration_ms": 200, "dt_ms": 0.1, "seed": 5, "trials": 4,
    "params": {"sigma_mV_sqrt_ms": 0.8},
    "sweep": {"I_nA": [0.35, 0.45, 0.55], "t_ref_ms": [1.0, 3.0]},
    "zip": [{"C_nF": [0.4, 0.5], "V_th_mV": [-52.0, -50.0]}],
    "record": {"observables": ["rate_Hz", "spike_count"],
               "traces": {"vars": ["V_mV"], "instances": [0, 17, 47], "every": 10},
               "spikes": {"instances": [3, 5], "max_per_instance": 50}},
}


@pytest.fixture(scope="module")
def grid():
    return nb.run(GRID, backend="cpu", progress=False)


def test_sweep_axes_zip_group_and_trials_are_the_dimensions(grid):
    ds = grid.dataset
    rate = ds["rate_Hz"]
    assert rate.dims == ("I_nA", "t_ref_ms", "zip_0", "trial")
    assert rate.shape == (3, 2, 2, 4)
    assert rate.dtype == np.float64 and ds["spike_count"].dtype == np.uint32
    np.testing.assert_array_equal(ds["I_nA"], GRID["sweep"]["I_nA"])
    np.testing.assert_array_equal(ds["t_ref_ms"], GRID["sweep"]["t_ref_ms"])
    np.testing.assert_array_equal(ds["trial"], np.arange(4))
    # a zip group is one dimension with each zipped parameter as a coordinate along it
    assert ds["C_nF"].dims == ("zip_0",) and ds["V_th_mV"].dims == ("zip_0",)
    np.testing.assert_array_equal(ds["C_nF"], [0.4, 0.5])
    np.testing.assert_array_equal(ds["V_th_mV"], [-52.0, -50.0])
    assert ds["rate_Hz"].attrs["units"] == "Hz"


def test_values_follow_the_instance_order_of_the_spec(grid):
    # Instances are numbered in C order over the axes, then trials: instance i of the flat list is the element
    # (point // ..., trial) of the grid. Selecting by coordinate must give the same value as the flat index.
    ds = grid.dataset
    flat = grid["rate_Hz"].reshape(-1)
    i_I, i_ref, i_zip, trial = 2, 1, 0, 3
    instance = ((i_I * 2 + i_ref) * 2 + i_zip) * 4 + trial
    picked = ds["rate_Hz"].sel(I_nA=0.55, t_ref_ms=3.0, trial=3).isel(zip_0=0)
    assert float(picked) == flat[instance]
    # the rate grows with the current at every other coordinate
    mean = ds["rate_Hz"].mean("trial")
    assert (mean.diff("I_nA") >= 0).all()
    # rate and count agree: rate = count / duration
    np.testing.assert_allclose(ds["rate_Hz"], ds["spike_count"] / (GRID["duration_ms"] / 1000.0))


def test_traces_and_spikes_have_instance_and_time_coordinates(grid):
    ds = grid.dataset
    trace = ds["trace_V_mV"]
    assert trace.dims == ("trace_instances", "trace_t_ms")
    np.testing.assert_array_equal(ds["trace_instances"], [0, 17, 47])
    n_steps = round(GRID["duration_ms"] / GRID["dt_ms"])
    np.testing.assert_allclose(ds["trace_t_ms"], np.arange(n_steps // 10 + 1) * 10 * GRID["dt_ms"])
    assert float(trace.sel(trace_instances=17, trace_t_ms=0.0)) == -70.0  # V_init_mV
    spikes = ds["spike_times_ms"]
    assert spikes.dims == ("spike_instances", "spike")
    np.testing.assert_array_equal(ds["spike_instances"], [3, 5])
    counts = grid["spike_count"].reshape(-1)[[3, 5]]
    np.testing.assert_array_equal(np.isfinite(spikes).sum("spike"), np.minimum(counts, 50))


def test_per_instance_arrays_get_the_models_dimensions():
    ring = nb.run(MODEL_SPECS / "ring.json", backend="cpu", progress=False)
    profile = ring.dataset["profile_Hz"]
    assert profile.dims == ("contrast", "J2", "initial", "trial", "neuron")
    assert profile.shape[-1] == ring.spec["params"]["N"]
    assert list(ring.dataset["initial"].values) == ["cosine", "random"]  # categorical values by name
    np.testing.assert_array_equal(profile.values.reshape(-1), ring["profile_Hz"].reshape(-1))

    net = nb.run(MODEL_SPECS / "network.json", backend="cpu", progress=False)
    ds = net.dataset
    rate = ds["pop_rate_Hz"]
    assert rate.dims == ("kick_rate_Hz", "trial", "bin", "population")
    assert list(ds["population"].values) == ["E", "I"]
    n_bins = round(net.spec["duration_ms"] / net.spec["params"]["bin_ms"])
    assert rate.shape == (2, 3, n_bins, 2)
    # the file's flat layout, E and I interleaved per bin, is what the labels say
    flat = net["pop_rate_Hz"]
    np.testing.assert_array_equal(rate.sel(population="I").values, flat[..., 1::2])
    raster = ds["raster"]
    assert raster.dims == ("kick_rate_Hz", "trial", "raster_spike", "raster_field")
    assert list(ds["raster_field"].values) == ["cell", "time_ms"]
    cells = raster.sel(raster_field="cell").values
    assert np.nanmax(cells) < net.spec["params"]["raster_neurons"]
    assert ds["trace_V_mV"].dims == ("trace_instances", "trace_t_ms")


def test_binned_recordings_have_groups_and_bin_times():
    r = nb.run(MODEL_SPECS / "decision.json", backend="cpu", progress=False)
    ds = r.dataset
    assert ds["binned_r1_Hz"].dims == ("coherence", "phi", "group", "binned_t_ms")
    assert list(ds["group"].values) == ["none", "choice1", "choice2", "tie"]
    np.testing.assert_allclose(ds["binned_t_ms"], np.arange(ds.sizes["binned_t_ms"]) * 20.0)
    # every trial falls into one group
    np.testing.assert_array_equal(ds["binned_count"].sum("group"), r.spec["trials"])
    assert ds.attrs["model"] == "decision" and ds.attrs["backend"] == "cpu"


def test_large_sweeps_have_point_statistics_along_an_observable_dimension():
    spec = {"model": "lif", "duration_ms": 20, "dt_ms": 0.1, "seed": 2, "trials": 2,
            "params": {"sigma_mV_sqrt_ms": 1.0}, "sweep": {"I_nA": {"linspace": [0.3, 0.9, 1001]}},
            "record": {"observables": ["rate_Hz", "spike_count"]}}
    r = nb.run(spec, backend="cpu", progress=False)
    assert "points" not in r.summary and r.summary["points_in_files"]["points"] == 1001
    ds = r.dataset
    assert ds["point_mean"].dims == ("I_nA", "observable")
    assert list(ds["observable"].values) == ["spike_count", "rate_Hz"]  # the model's output order
    np.testing.assert_allclose(ds["point_mean"].sel(observable="rate_Hz"), ds["rate_Hz"].mean("trial"))
    np.testing.assert_array_equal(ds["point_count"].sel(observable="rate_Hz"), 2)
