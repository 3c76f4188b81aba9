// config.h — the compile-time settings a program must share with the library it links.
//
// Every public header includes this first (through tensor.h), before Eigen, so that a program
// built with nothing but the include path and the link flags agrees with libbackprop.a:
//
//   EIGEN_MAX_ALIGN_BYTES = 64   Eigen aligns every heap buffer to this many bytes, by hand
//                                (storing malloc's pointer in front of the buffer) when malloc's
//                                own alignment is smaller, and frees it by the same rule. The
//                                library is built with 64 whatever the CPU. A program left to
//                                Eigen's default for its own instruction set (16 for plain
//                                x86-64) frees the library's matrices with plain free() and
//                                aborts with "double free or corruption".
//
// The CMake target also defines it (CMakeLists.txt, the same value), for translation units that
// include Eigen before any backprop header.
//
// Below that, a workaround for one false warning of GCC 12 in GCC's own headers.
#pragma once

#if defined(EIGEN_DONT_ALIGN)
#error \
    "backprop: EIGEN_DONT_ALIGN is defined, but libbackprop is built with Eigen's heap buffers aligned to 64 bytes; remove it"
#elif !defined(EIGEN_MAX_ALIGN_BYTES)
#define EIGEN_MAX_ALIGN_BYTES 64
#elif EIGEN_MAX_ALIGN_BYTES != 64
#if defined(EIGEN_WORLD_VERSION)
#error \
    "backprop: Eigen was included before the backprop headers and chose another EIGEN_MAX_ALIGN_BYTES than the 64 libbackprop is built with; include the backprop headers first, or compile with -DEIGEN_MAX_ALIGN_BYTES=64"
#else
#error \
    "backprop: EIGEN_MAX_ALIGN_BYTES must be 64, the value libbackprop is built with; remove your definition"
#endif
#endif

// GCC 12 warns "'__Y' may be used uninitialized" inside its own AVX-512 intrinsics header
// wherever Eigen's vectorised code is inlined into a function (GCC bug 105593, fixed in GCC 13).
// The system-header rule does not hide it because the inlining chain ends in the caller's code.
// Including the intrinsics here under the pragma silences exactly the locations in that header;
// a -Wmaybe-uninitialized anywhere else is still reported.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12 && defined(__AVX512F__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif
