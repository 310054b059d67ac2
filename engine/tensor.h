// Tensor: float32, contiguous, rank 0..4 (NCHW images, NCL signals), on one device.
// A Tensor is a cheap handle (shared_ptr); copies alias the same memory. Autograd state
// (requires_grad, the accumulated gradient, the node that produced it) lives beside the
// data in TensorImpl; see engine/autograd.h.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/device.h"

namespace sg {

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& s);  // "[64, 1, 64, 64]"
int64_t shape_numel(const Shape& s);

// Device memory owned by one backend; freed through it.
struct Storage {
  Storage(Backend& b, int64_t n);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  Backend& backend;
  float* ptr = nullptr;
  int64_t size = 0;
};

struct Node;

struct TensorImpl {
  Shape shape;
  std::shared_ptr<Storage> data;
  bool requires_grad = false;
  std::shared_ptr<Storage> grad;  // allocated (zeroed) on first accumulation
  std::shared_ptr<Node> grad_fn;  // null for leaves
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : p_(std::move(impl)) {}

  static Tensor empty(const Shape& shape, Device d = Device::CPU);
  static Tensor zeros(const Shape& shape, Device d = Device::CPU);
  static Tensor full(const Shape& shape, float v, Device d = Device::CPU);
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape,
                            Device d = Device::CPU);

  bool defined() const { return p_ != nullptr; }
  const Shape& shape() const;
  int rank() const { return int(shape().size()); }
  int64_t dim(int i) const;  // negative counts from the end
  int64_t numel() const;
  Device device() const;
  Backend& backend() const;
  float* data();
  const float* data() const;

  std::vector<float> to_vector() const;  // copies to the host
  float item() const;                    // the single value of a one-element tensor
  Tensor to(Device d) const;             // a copy on another device (no graph)
  Tensor clone() const;                  // a copy on the same device (no graph)
  Tensor detach() const;                 // same memory, no graph, no requires_grad
  void copy_from(const Tensor& src);     // same numel; values only

  // Autograd.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool on);
  bool has_grad() const;
  Tensor grad() const;  // the accumulated gradient (zeros if none yet), same shape
  float* grad_data();   // device pointer, allocating zeros on first use
  // For a first contribution that writes every element: the gradient's buffer, allocated
  // without the zero fill where there is none yet (then fresh is true and the caller
  // must assign, not add).
  float* grad_data_for_overwrite(bool& fresh);
  void zero_grad();
  void backward() const;  // from a one-element loss: d loss / d loss = 1

  TensorImpl* impl() const { return p_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return p_; }

 private:
  std::shared_ptr<TensorImpl> p_;
};

}  // namespace sg
