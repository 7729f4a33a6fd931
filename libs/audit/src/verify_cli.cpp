#include "cosmic/audit/verify_cli.hpp"

#include <cstdio>
#include <string>
#include <string_view>

#include "cosmic/audit/audit_json.hpp"
#include "cosmic/audit/chain_verifier.hpp"

namespace cosmic::audit {

namespace {

constexpr int kVerified = 0;
constexpr int kTampered = 1;
constexpr int kUsage = 2;

int Usage(const char* program) {
    std::fprintf(stderr,
                 "usage: %s --db FILE [--json]\n"
                 "Recomputes every hash chain, checkpoint and retention anchor of an audit-consumer database\n"
                 "and names the first row that does not match. Exit 0 = verified, 1 = tampering found,\n"
                 "2 = usage error or unreadable database.\n",
                 program);
    return kUsage;
}

}  // namespace

int RunAuditVerifyCli(int argc, char** argv) {
    const char* program = argc > 0 ? argv[0] : "audit-verify";
    std::string db;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--db" && i + 1 < argc) {
            db = argv[++i];
        } else if (arg.starts_with("--db=")) {
            db = std::string(arg.substr(5));
        } else if (arg == "--json") {
            json = true;
        } else if (arg == "--help" || arg == "-h") {
            Usage(program);
            return kVerified;
        } else {
            std::fprintf(stderr, "%s: unknown argument '%s'\n", program, argv[i]);
            return Usage(program);
        }
    }
    if (db.empty()) return Usage(program);

    VerifyReport report;
    try {
        report = VerifyDatabaseFile(db);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "%s: %s\n", program, error.what());
        return kUsage;
    }
    if (json) {
        std::printf("%s\n", VerifyJson(report).c_str());
    } else if (report.ok) {
        std::printf("OK: %llu rows in %llu partitions, %llu checkpoints verified in %.3f s\n",
                    static_cast<unsigned long long>(report.rows_checked),
                    static_cast<unsigned long long>(report.partitions_checked),
                    static_cast<unsigned long long>(report.checkpoints_checked), report.seconds);
    } else {
        std::printf("TAMPERED: %zu partition(s) fail verification\n", report.failures.size());
        for (const BadRow& bad : report.failures) {
            std::printf("  %s/%d offset %lld row %lld: %s - %s\n", bad.topic.c_str(), bad.partition,
                        static_cast<long long>(bad.offset), static_cast<long long>(bad.row_id), bad.reason.c_str(),
                        bad.detail.c_str());
        }
    }
    return report.ok ? kVerified : kTampered;
}

}  // namespace cosmic::audit
