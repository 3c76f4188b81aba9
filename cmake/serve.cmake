# serve.cmake — `backprop serve`, the playground: cpp-httplib (header only), the page under web/
# and uPlot (npm, installed by setup.sh), embedded in the binary at build time.
# Debian's libcpp-httplib-dev splits it: httplib.h declares, libcpp-httplib.so implements, built
# with OpenSSL, zlib and brotli support, which change its classes: its pkg-config flags must be
# used (they define the matching CPPHTTPLIB_* macros).
find_package(PkgConfig)
if(PkgConfig_FOUND)
  pkg_check_modules(BACKPROP_HTTPLIB IMPORTED_TARGET cpp-httplib)
endif()
if(NOT BACKPROP_HTTPLIB_FOUND)
  message(FATAL_ERROR "backprop serve: cpp-httplib (pkg-config cpp-httplib) not found. Run "
                      "./setup.sh (Debian: apt-get install libcpp-httplib-dev pkg-config).")
endif()
set(BACKPROP_UPLOT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/node_modules/uplot/dist)
if(NOT EXISTS ${BACKPROP_UPLOT_DIR}/uPlot.esm.js OR NOT EXISTS ${BACKPROP_UPLOT_DIR}/uPlot.min.css)
  message(FATAL_ERROR "backprop serve: ${BACKPROP_UPLOT_DIR}/uPlot.esm.js not found: the npm "
                      "packages are missing. Run ./setup.sh (it runs npm ci).")
endif()
find_package(Threads REQUIRED)

set(_web ${CMAKE_CURRENT_SOURCE_DIR}/web)
set(_assets
  "/|html|${_web}/index.html"
  "/style.css|css|${_web}/style.css"
  "/app.js|js|${_web}/app.js"
  "/api.js|js|${_web}/api.js"
  "/draw.js|js|${_web}/draw.js"
  "/backprop_view.js|js|${_web}/backprop_view.js"
  "/uPlot.esm.js|js|${BACKPROP_UPLOT_DIR}/uPlot.esm.js"
  "/uPlot.min.css|css|${BACKPROP_UPLOT_DIR}/uPlot.min.css")
set(_asset_files "")
foreach(entry IN LISTS _assets)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 2 path)
  list(APPEND _asset_files ${path})
endforeach()
set(_generated ${CMAKE_BINARY_DIR}/generated/web_assets.cpp)
# The list goes to the script in a file, one "url|kind|path" a line.
set(_manifest ${CMAKE_BINARY_DIR}/generated/web_assets.list)
string(REPLACE ";" "\n" _manifest_text "${_assets}")
file(WRITE ${_manifest}.new "${_manifest_text}\n")
file(COPY_FILE ${_manifest}.new ${_manifest} ONLY_IF_DIFFERENT)
add_custom_command(
  OUTPUT ${_generated}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/generated
  COMMAND ${CMAKE_COMMAND} "-DOUT=${_generated}" "-DMANIFEST=${_manifest}"
          -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_assets.cmake
  DEPENDS ${_asset_files} ${_manifest} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_assets.cmake
  COMMENT "Embedding the playground's page and uPlot"
  VERBATIM)
target_sources(backprop_cli PRIVATE
  apps/backprop/serve/cmd_serve.cpp
  apps/backprop/serve/server.cpp
  apps/backprop/serve/session.cpp
  apps/backprop/serve/api.cpp
  ${_generated})
target_include_directories(backprop_cli PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/apps/backprop/serve)
target_link_libraries(backprop_cli PRIVATE PkgConfig::BACKPROP_HTTPLIB Threads::Threads
                                           nlohmann_json::nlohmann_json)
