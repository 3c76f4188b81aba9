# backprop_warnings(<target>...) — the warning flags of the project's own targets: -Wall -Wextra,
# and -Werror with -DBACKPROP_WERROR=ON (CI builds with it: .ci/run).
#
# Only the project's own code is held to them. Third-party headers come in as system headers:
# the include directories of imported targets (Eigen3::Eigen, fmt::fmt, GTest::gtest, the
# pkg-config cairo target, ...) are system directories by default, and the few directories
# named by path (OpenBLAS, FANN) are added with SYSTEM. GCC 12's false -Wmaybe-uninitialized
# inside its own AVX-512 intrinsics, which reaches user code through inlining, is handled in
# include/backprop/config.h.
include_guard(GLOBAL)

option(BACKPROP_WERROR "Treat warnings in the project's own code as errors (-Werror)" OFF)

function(backprop_warnings)
  foreach(target IN LISTS ARGN)
    target_compile_options(${target} PRIVATE -Wall -Wextra)
    if(BACKPROP_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endforeach()
endfunction()
