// The kinetic-synapse ensemble model as the host sees it (MODELS.md section 2): parameters with units, defaults,
// ranges and receptor presets; checks; chunk assembly and engines live in host/synapse_model.cpp.
#pragma once

#include "host/model_registry.hpp"

namespace nb {

const ModelInfo& synapse_model_info();

}  // namespace nb
