#include <string>
#include <utility>

#include "cosmic/service/auth.hpp"

namespace cosmic::service {

telemetry::HttpHandler RequireAuth(std::shared_ptr<const Authenticator> authenticator, std::vector<Role> any_of,
                                   AuthenticatedHandler handler) {
    std::string required;
    for (Role role : any_of) {
        required += (required.empty() ? "" : " or ") + std::string(RoleName(role));
    }
    return [authenticator = std::move(authenticator), any_of = std::move(any_of), handler = std::move(handler),
            required = std::move(required)](const telemetry::HttpRequest& request) {
        const auto header = request.Header("Authorization");
        const auto principal = header ? authenticator->Authenticate(*header) : std::nullopt;
        if (!principal) {
            // RFC 6750 §3: a request without credentials gets only the challenge; a bad token
            // also gets error="invalid_token".
            auto response = telemetry::HttpResponse::Error(401, "unauthorized",
                                                           header ? "invalid bearer token" : "missing bearer token");
            response.headers.emplace_back("WWW-Authenticate", header ? R"(Bearer realm="cosmic", error="invalid_token")"
                                                                     : R"(Bearer realm="cosmic")");
            return response;
        }
        if (!HasAnyRole(*principal, any_of)) {
            return telemetry::HttpResponse::Error(403, "forbidden", "requires role " + required);
        }
        return handler(request, *principal);
    };
}

}  // namespace cosmic::service
