// The LIF model as the host sees it: parameter table (names, units, defaults, ranges; MODELS.md section 1),
// cross-field checks, and the conversion of a sweep point into the float coefficients the kernels use.
#pragma once

#include "model_registry.hpp"

namespace nb {

const ModelInfo& lif_model_info();

}  // namespace nb
