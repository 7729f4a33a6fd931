#pragma once
// `cosmicctl audit verify --db FILE [--json]`: offline verification of an audit-consumer
// database. Needs no Kafka settings, so it is dispatched before the cluster config is read.

#include <string>
#include <vector>

namespace cosmic::cosmicctl {

/// `args` are the words after "audit verify". Prints to stdout/stderr; exit 0 verified,
/// 1 tampering found (the first bad row of each failing partition is named), 2 usage error or
/// unreadable database.
int AuditVerify(const std::vector<std::string>& args);

}  // namespace cosmic::cosmicctl
