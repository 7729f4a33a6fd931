#include "../notification_store_suite.hpp"

namespace cosmic::notification::suite {
namespace {

INSTANTIATE_TEST_SUITE_P(Sqlite, NotificationStoreSuite,
                         ::testing::Values(StoreBackend{"sqlite",
                                                        [](StoreSettings& settings) {
                                                            auto dir = std::make_shared<testing::ScratchDir>();
                                                            settings.path =
                                                                (dir->Path() / "db" / "notifications.db").string();
                                                            return std::shared_ptr<void>(dir);
                                                        }}),
                         BackendName);

}  // namespace
}  // namespace cosmic::notification::suite
