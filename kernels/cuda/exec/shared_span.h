// The bounds-checked view of a block's dynamic shared memory that SG_DYNAMIC_SHARED
// declares under the CPU executor (included by host_exec.h).
#pragma once
#include <cstddef>
#include <type_traits>

namespace sg::exec {
namespace detail {

// host_exec.cpp: the running block's dynamic shared buffer and its size in bytes.
unsigned char* dynamic_shared_buffer(std::size_t* bytes);
// Tells the race detector that the running thread is about to touch [p, p + bytes).
void note_shared_access(const void* p, std::size_t bytes);
[[noreturn]] void shared_index_error(const void* span_begin, long long index, std::size_t size,
                                     std::size_t elem_bytes, const char* what);

}  // namespace detail

// name[i] checks 0 <= i < size() (throwing sg::Error otherwise) and reports the access to
// the race detector; name + k is a checked sub-span; the implicit conversion to T* is
// for code that needs a raw pointer and is not checked.
template <typename T>
class SharedSpan {
 public:
  SharedSpan(T* data, std::size_t size) : data_(data), size_(size) {}

  template <typename I, typename = std::enable_if_t<std::is_integral<I>::value>>
  T& operator[](I i) const {
    check(i, size_, "index");
    detail::note_shared_access(data_ + i, sizeof(T));
    return data_[i];
  }
  T& operator*() const { return (*this)[0]; }

  template <typename I, typename = std::enable_if_t<std::is_integral<I>::value>>
  SharedSpan operator+(I k) const {
    check(k, size_ + 1, "offset");  // one past the end is a valid (empty) sub-span
    return SharedSpan(data_ + k, size_ - static_cast<std::size_t>(k));
  }
  template <typename I, typename = std::enable_if_t<std::is_integral<I>::value>>
  friend SharedSpan operator+(I k, const SharedSpan& s) {
    return s + k;
  }

  operator T*() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  template <typename I>
  void check(I i, std::size_t limit, const char* what) const {
    bool bad = false;
    if constexpr (std::is_signed<I>::value) bad = i < 0;
    if (bad || static_cast<unsigned long long>(i) >= limit)
      detail::shared_index_error(data_, static_cast<long long>(i), size_, sizeof(T), what);
  }

  T* data_;
  std::size_t size_;
};

// The whole dynamic shared buffer of the running block, as elements of T.
template <typename T>
SharedSpan<T> dynamic_shared() {
  std::size_t bytes = 0;
  unsigned char* base = detail::dynamic_shared_buffer(&bytes);
  return SharedSpan<T>(reinterpret_cast<T*>(base), bytes / sizeof(T));
}

}  // namespace sg::exec
