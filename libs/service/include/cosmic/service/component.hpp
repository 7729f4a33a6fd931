#pragma once
/// A part of a service with a lifetime: a store, a consumer runner, a producer, a relay.
/// The Runtime starts components in the order they were added and stops them in reverse.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace cosmic::service {

class Component {
  public:
    virtual ~Component() = default;

    /// Stable name for logs ("store", "consumer", "outbox-relay").
    virtual std::string_view Name() const = 0;
    /// Brings the component up; throws to abort startup (already-started components are then
    /// stopped in reverse and the process exits non-zero).
    virtual void Start() = 0;
    /// Stops the component, finishing in-flight work if it can before `deadline` (shared by
    /// the whole shutdown; it may already have passed, meaning "stop now"). Called only after
    /// a successful Start().
    virtual void Stop(std::chrono::steady_clock::time_point deadline) = 0;
};

/// A component made of two functions, for small pieces that do not deserve a class.
class FunctionComponent final : public Component {
  public:
    using StartFn = std::function<void()>;
    using StopFn = std::function<void(std::chrono::steady_clock::time_point)>;

    FunctionComponent(std::string name, StartFn start, StopFn stop)
        : name_(std::move(name)), start_(std::move(start)), stop_(std::move(stop)) {}

    std::string_view Name() const override { return name_; }
    void Start() override {
        if (start_) start_();
    }
    void Stop(std::chrono::steady_clock::time_point deadline) override {
        if (stop_) stop_(deadline);
    }

  private:
    std::string name_;
    StartFn start_;
    StopFn stop_;
};

}  // namespace cosmic::service
