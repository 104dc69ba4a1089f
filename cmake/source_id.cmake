# Writes OUT, a header defining NB_SOURCE_ID: a hash of every file under host/ and kernels/ of SRC, the code that
# computes results. A run's journal records it, so that a resume by a program built from other sources is refused
# (host/io/journal.cpp). Run at every build; OUT is rewritten only when the hash changes, so nothing recompiles
# otherwise.
file(GLOB_RECURSE files LIST_DIRECTORIES false "${SRC}/host/*" "${SRC}/kernels/*")
list(SORT files)
set(listing "")
foreach(f IN LISTS files)
  file(SHA256 "${f}" hash)
  file(RELATIVE_PATH rel "${SRC}" "${f}")
  string(APPEND listing "${rel} ${hash}\n")
endforeach()
string(SHA256 id "${listing}")
string(SUBSTRING "${id}" 0 16 id)
set(text "#define NB_SOURCE_ID \"${id}\"\n")
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
