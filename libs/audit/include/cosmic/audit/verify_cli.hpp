#pragma once
/// `cosmicctl audit verify --db FILE [--json]`: verifies an audit database offline (no Kafka,
/// no running service). Exit codes: 0 verified, 1 tampering found, 2 usage or unreadable file.

namespace cosmic::audit {

/// `argv` holds the arguments after "audit verify" (argv[0] is the program name for messages).
int RunAuditVerifyCli(int argc, char** argv);

}  // namespace cosmic::audit
