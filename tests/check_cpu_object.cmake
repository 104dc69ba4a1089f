# Static check of the CPU kernels (the reference side of exact mode): the object code must contain no fused
# multiply-add (x86 vfmadd*/vfmsub*/vfnmadd*/vfnmsub*, AArch64 fmadd/fmla), which -ffp-contract=off guarantees.
# The CPU fast-math kernels (<m>_cpu_fast.cpp, kernels/common/fast_math.hpp) use explicit FMA by design and are
# skipped; every other object is checked.
# Usage: cmake -DOBJDUMP=<objdump> -DOBJECTS=<a.o;b.o> -P check_cpu_object.cmake
foreach(obj IN LISTS OBJECTS)
  if(obj MATCHES "_cpu_fast\\.cpp\\.o(bj)?$")
    message(STATUS "${obj}: a fast-math kernel, not checked")
    continue()
  endif()
  execute_process(COMMAND "${OBJDUMP}" -d "${obj}" OUTPUT_VARIABLE asm RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "objdump failed on ${obj}")
  endif()
  string(REGEX MATCHALL "(vfn?m(add|sub)[0-9a-z]*|fmadd|fmla)[ \t]" fused "${asm}")
  string(REGEX MATCHALL "\n[ \t]*[0-9a-f]+:" instructions "${asm}")
  list(LENGTH instructions n)
  if(fused)
    list(LENGTH fused n_fused)
    message(FATAL_ERROR "${obj}: ${n_fused} fused multiply-add instructions; exact mode needs -ffp-contract=off")
  endif()
  if(n LESS 100)
    message(FATAL_ERROR "${obj}: only ${n} instructions disassembled: wrong file?")
  endif()
  message(STATUS "${obj}: ${n} instructions, no fused multiply-add")
endforeach()
