// assets.h — the playground's page and uPlot, embedded at build time (cmake/embed_assets.cmake).
#pragma once

#include <cstddef>

namespace backprop::serve {

struct Asset {
  const char* path;  // URL path: "/", "/app.js", ...
  const char* mime;
  const unsigned char* data;
  std::size_t size;
};

extern const Asset kAssets[];
extern const std::size_t kAssetCount;

}  // namespace backprop::serve
