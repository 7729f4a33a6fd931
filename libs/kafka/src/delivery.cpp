#include "cosmic/kafka/delivery.hpp"

#include "cosmic/telemetry/trace.hpp"

namespace cosmic::kafka {

std::string_view Delivery::Traceparent() const {
    return headers.Get(header::kTraceparent).value_or(std::string_view());
}

std::string Delivery::ChildTraceparent() const {
    if (auto parent = telemetry::ParseTraceparent(Traceparent())) {
        return parent->Child().ToTraceparent();
    }
    return telemetry::NewTrace().ToTraceparent();
}

}  // namespace cosmic::kafka
