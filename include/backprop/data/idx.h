// idx.h — IDX files (the MNIST family's format), gzip-compressed or not, and Fashion-MNIST.
//
// An IDX file is: magic 0x00 0x00 TYPE NDIMS, then NDIMS big-endian 32-bit dimensions, then the
// values in row-major order. Only unsigned bytes (TYPE 0x08) are read here, which is what the
// image and label files hold. A gzip stream (magic 0x1f 0x8b) is inflated on the fly with zlib.
// The header is checked before anything is allocated: wrong magic, a truncated header or data,
// a product of dimensions that overflows or exceeds what the file can hold are Errors naming
// the file and what was expected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backprop/tensor.h"

namespace backprop {

struct IdxArray {
  std::vector<std::size_t> dims;   // e.g. {60000, 28, 28} for images, {60000} for labels
  std::vector<std::uint8_t> data;  // row-major, size = product of dims
};

// Reads an unsigned-byte IDX file (raw or gzip).
IdxArray read_idx(const std::string& path);

// The same format from bytes already in memory (raw or gzip, told apart by the gzip magic), with
// the same checks and messages as read_idx for a regular file of that size; `source` names the
// input in messages.
IdxArray parse_idx(const std::string& bytes, const std::string& source);

// Images as samples-in-columns floats, with their labels.
struct LabelledImages {
  Matrix<float> x;                       // (rows·cols x N), pixel/255 in [0, 1]
  std::vector<int> labels;               // class index per image
  std::vector<std::string> class_names;  // Fashion-MNIST's ten names
  std::size_t rows = 0, cols = 0;        // image size (28 x 28)
  std::string source;
};

// The default directory of Debian's dataset-fashion-mnist package.
inline const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Fashion-MNIST's training (60000) or test (10000) set from `dir`: the files
// {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]. Errors name the file that is missing or bad
// (and suggest installing dataset-fashion-mnist or giving the directory of its files).
LabelledImages load_fashion_mnist(const std::string& dir, bool train);

// The class names of Fashion-MNIST, class 0 to 9.
std::vector<std::string> fashion_mnist_classes();

}  // namespace backprop
