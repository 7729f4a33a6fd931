#include "cosmic/audit_consumer/audit_service.hpp"
#include "cosmic/service/runtime.hpp"

int main(int argc, char** argv) {
    return cosmic::service::RunMain<cosmic::audit::AuditService>("audit-consumer", argc, argv);
}
