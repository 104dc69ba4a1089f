// What a model's X-macro field lists (entries X(type, name)) give besides the fields themselves: the bytes one
// instance takes in a backend's memory, summed over the lists with sizeof, never by hand.
#pragma once

#include <cstddef>

#define NB_FIELD_SIZEOF(type, name) +sizeof(type)

// Bytes per instance of one field list, e.g. NB_FIELD_BYTES(NB_LIF_STATE): the sum of sizeof(type) over its entries.
#define NB_FIELD_BYTES(LIST) (std::size_t(0) LIST(NB_FIELD_SIZEOF))
