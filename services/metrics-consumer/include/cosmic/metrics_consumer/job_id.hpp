#pragma once
/// A job id stored inside its node when it fits (up to 44 bytes, which covers "job-<uuid>"), on
/// the heap otherwise: comparing it during a lookup then costs no extra cache miss, and the
/// common id costs no allocation.

#include <cstdint>
#include <cstring>
#include <string_view>

namespace cosmic::metrics {

class JobId {
  public:
    static constexpr std::size_t kInlineBytes = 44;

    JobId() = default;
    ~JobId() { Release(); }
    JobId(const JobId&) = delete;
    JobId& operator=(const JobId&) = delete;

    void Assign(std::string_view id) {
        Release();
        size_ = static_cast<std::uint32_t>(id.size());
        if (id.size() <= kInlineBytes) {
            if (!id.empty()) std::memcpy(bytes_, id.data(), id.size());
            return;
        }
        char* heap = new char[id.size()];
        std::memcpy(heap, id.data(), id.size());
        std::memcpy(bytes_, &heap, sizeof(heap));
    }

    std::string_view View() const noexcept { return {Data(), size_}; }

  private:
    bool OnHeap() const noexcept { return size_ > kInlineBytes; }
    const char* Data() const noexcept {
        if (!OnHeap()) return bytes_;
        const char* heap = nullptr;
        std::memcpy(&heap, bytes_, sizeof(heap));
        return heap;
    }
    void Release() noexcept {
        if (OnHeap()) delete[] Data();
        size_ = 0;
    }

    char bytes_[kInlineBytes];  // the id, or a pointer to it when longer
    std::uint32_t size_ = 0;
};

static_assert(sizeof(JobId) == 48);

}  // namespace cosmic::metrics
