#include "cosmic/notification_consumer/notification_service.hpp"
#include "cosmic/service/runtime.hpp"

int main(int argc, char** argv) {
    return cosmic::service::RunMain<cosmic::notification::NotificationService>("notification-consumer", argc, argv);
}
