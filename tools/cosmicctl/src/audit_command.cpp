#include "audit_command.hpp"

#include "cosmic/audit/verify_cli.hpp"

namespace cosmic::cosmicctl {

int AuditVerify(const std::vector<std::string>& args) {
    // The audit-consumer owns the verifier and its output format; cosmicctl only routes to it, so
    // the offline check and the service agree on what "tampered" means.
    std::vector<std::string> owned;
    owned.reserve(args.size() + 1);
    owned.emplace_back("cosmicctl audit verify");
    owned.insert(owned.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(owned.size());
    for (std::string& arg : owned) argv.push_back(arg.data());
    return audit::RunAuditVerifyCli(static_cast<int>(argv.size()), argv.data());
}

}  // namespace cosmic::cosmicctl
