# Static check of the exact-math CUDA kernels (runs without a GPU): the PTX must contain no fused multiply-add,
# no approximate instruction, and every float add/sub/mul must carry an explicit rounding mode (.rn), which
# forbids ptxas from contracting it later. Together with -ffp-contract=off on the host this is what makes exact
# mode bit-identical to the CPU. Usage: cmake -DPTX=<a.ptx;b.ptx> -P check_exact_ptx.cmake
foreach(file IN LISTS PTX)
file(READ "${file}" ptx)
string(REGEX MATCHALL "fma\\.[a-z0-9.]+" fma "${ptx}")
string(REGEX MATCHALL "[a-z0-9]+\\.approx[a-z0-9.]*" approx "${ptx}")
string(REGEX MATCHALL "(add|sub|mul)\\.f(32|64)" unrounded "${ptx}")
string(REGEX MATCHALL "(add|sub|mul)\\.rn\\.f(32|64)" rounded "${ptx}")
list(LENGTH rounded n_rounded)
if(fma OR approx OR unrounded)
  message(FATAL_ERROR "exact-mode PTX ${file} is not bit-reproducible: fma=[${fma}] approx=[${approx}] "
                      "unrounded=[${unrounded}]")
endif()
if(n_rounded LESS 10)
  message(FATAL_ERROR "exact-mode PTX ${file} has only ${n_rounded} rounded float operations: wrong file?")
endif()
message(STATUS "exact-mode PTX: ${n_rounded} explicitly rounded float operations, no fma, no approx")
endforeach()
