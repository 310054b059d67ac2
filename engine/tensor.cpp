#include "engine/tensor.h"

#include <sstream>

#include "engine/autograd.h"
#include "engine/error.h"

namespace sg {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Storage::Storage(Backend& b, int64_t n) : backend(b), size(n) {
  ptr = n > 0 ? b.alloc(n) : nullptr;
}
Storage::~Storage() {  // release() throws on a pointer it did not hand out; we only log
  if (ptr) log_errors("releasing a tensor", [&] { backend.release(ptr); });
}

static void check_shape(const Shape& s) {
  SG_CHECK(s.size() <= 4, "tensor: rank ", s.size(), " > 4 in shape ", shape_str(s));
  for (int64_t d : s) SG_CHECK(d >= 0, "tensor: negative dimension in shape ", shape_str(s));
}

Tensor Tensor::empty(const Shape& shape, Device d) {
  check_shape(shape);
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->data = std::make_shared<Storage>(backend_for(d), shape_numel(shape));
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, Device d) { return full(shape, 0.0f, d); }

Tensor Tensor::full(const Shape& shape, float v, Device d) {
  Tensor t = empty(shape, d);
  t.backend().fill(t.numel(), v, t.data());
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& values, const Shape& shape, Device d) {
  SG_CHECK(int64_t(values.size()) == shape_numel(shape), "tensor: ", values.size(),
           " values do not fill shape ", shape_str(shape));
  Tensor t = empty(shape, d);
  t.backend().from_host(t.data(), values.data(), t.numel());
  return t;
}

const Shape& Tensor::shape() const {
  SG_CHECK(p_, "tensor: use of an undefined tensor");
  return p_->shape;
}

int64_t Tensor::dim(int i) const {
  int r = rank();
  int j = i < 0 ? i + r : i;
  SG_CHECK(j >= 0 && j < r, "tensor: dimension ", i, " out of range for shape ",
           shape_str(shape()));
  return shape()[j];
}

int64_t Tensor::numel() const { return shape_numel(shape()); }
Device Tensor::device() const { return backend().device(); }
Backend& Tensor::backend() const {
  SG_CHECK(p_, "tensor: use of an undefined tensor");
  return p_->data->backend;
}
float* Tensor::data() { return p_->data->ptr; }
const float* Tensor::data() const { return p_->data->ptr; }

std::vector<float> Tensor::to_vector() const {
  std::vector<float> v(static_cast<size_t>(numel()));
  backend().to_host(v.data(), data(), numel());
  return v;
}

float Tensor::item() const {
  SG_CHECK(numel() == 1, "tensor: item() of a tensor of shape ", shape_str(shape()));
  return to_vector()[0];
}

Tensor Tensor::to(Device d) const {
  std::vector<float> host = to_vector();
  return from_vector(host, shape(), d);
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape(), device());
  backend().copy(numel(), data(), t.data());
  return t;
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape();
  impl->data = p_->data;
  return Tensor(std::move(impl));
}

void Tensor::copy_from(const Tensor& src) {
  SG_CHECK(src.numel() == numel(), "tensor: copy of ", shape_str(src.shape()), " into ",
           shape_str(shape()));
  if (src.device() == device()) {
    backend().copy(numel(), src.data(), data());
  } else {
    std::vector<float> host = src.to_vector();
    backend().from_host(data(), host.data(), numel());
  }
}

bool Tensor::requires_grad() const { return p_ && p_->requires_grad; }
Tensor& Tensor::set_requires_grad(bool on) {
  SG_CHECK(p_, "tensor: use of an undefined tensor");
  p_->requires_grad = on;
  return *this;
}
bool Tensor::has_grad() const { return p_ && p_->grad; }

float* Tensor::grad_data() {
  if (!p_->grad) {
    p_->grad = std::make_shared<Storage>(backend(), numel());
    backend().fill(numel(), 0.0f, p_->grad->ptr);
  }
  return p_->grad->ptr;
}

float* Tensor::grad_data_for_overwrite(bool& fresh) {
  fresh = !p_->grad;
  if (fresh) p_->grad = std::make_shared<Storage>(backend(), numel());
  return p_->grad->ptr;
}

Tensor Tensor::grad() const {
  Tensor self = *this;
  self.grad_data();
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape();
  impl->data = p_->grad;
  return Tensor(std::move(impl));
}

void Tensor::zero_grad() {
  if (p_ && p_->grad) backend().fill(numel(), 0.0f, p_->grad->ptr);
}

}  // namespace sg
