// Runs the dev-broker binary: first stdout line, bootstrap file, Kafka traffic through it,
// the control API over HTTP, and a clean exit on SIGTERM.

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// A child process with its stdout on a pipe.
class Child {
  public:
    Child(const std::vector<std::string>& args, const std::vector<std::string>& extra_env) {
        int fds[2];
        if (pipe(fds) != 0) {
            throw std::runtime_error("pipe failed");
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        std::vector<char*> argv;
        for (const auto& arg : args) {
            argv.push_back(const_cast<char*>(arg.c_str()));
        }
        argv.push_back(nullptr);
        std::vector<std::string> env_storage = extra_env;
        std::vector<char*> envp;
        for (char** e = environ; *e != nullptr; ++e) {
            envp.push_back(*e);
        }
        for (auto& entry : env_storage) {
            envp.push_back(entry.data());
        }
        envp.push_back(nullptr);
        const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        out_ = fds[0];
        if (rc != 0) {
            close(out_);
            throw std::runtime_error("posix_spawn failed");
        }
    }

    ~Child() {
        if (pid_ > 0 && !exited_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        close(out_);
    }

    /// The next line of stdout, or nullopt at the deadline / EOF.
    std::optional<std::string> ReadLine(std::chrono::milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        while (true) {
            if (auto newline = buffer_.find('\n'); newline != std::string::npos) {
                std::string line = buffer_.substr(0, newline);
                buffer_.erase(0, newline + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) {
                return std::nullopt;
            }
            pollfd pfd{out_, POLLIN, 0};
            if (poll(&pfd, 1, static_cast<int>(left)) <= 0) {
                continue;
            }
            char chunk[4096];
            const ssize_t n = read(out_, chunk, sizeof(chunk));
            if (n <= 0) {
                return std::nullopt;
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    void Signal(int signal_number) const { kill(pid_, signal_number); }

    /// Exit status, or nullopt if the process is still running at the deadline.
    std::optional<int> Wait(std::chrono::milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            // Keep draining stdout so the child never blocks on a full pipe.
            (void)ReadLine(10ms);
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                exited_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
        }
        return std::nullopt;
    }

  private:
    pid_t pid_ = -1;
    int out_ = -1;
    bool exited_ = false;
    std::string buffer_;
};

size_t Collect(char* data, size_t size, size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

/// {status, body} of an HTTP request, status 0 when the request failed.
std::pair<long, std::string> Http(const std::string& method, const std::string& url, const std::string& body = "") {
    CURL* curl = curl_easy_init();
    std::string response;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "POST") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_cleanup(curl);
    return {status, response};
}

rd_kafka_t* NewClient(rd_kafka_type_t type, const std::string& bootstrap) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof(error));
    if (type == RD_KAFKA_CONSUMER) {
        rd_kafka_conf_set(conf, "group.id", "dev-broker-test", error, sizeof(error));
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", error, sizeof(error));
    }
    return rd_kafka_new(type, conf, error, sizeof(error));
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

class DevBrokerProcessTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("dev-broker-test-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path dir_;
};

TEST_F(DevBrokerProcessTest, ServesKafkaAndTheControlApiAndStopsCleanly) {
    const std::string bootstrap_file = (dir_ / "bootstrap").string();
    const std::string port_file = (dir_ / "port").string();
    Child child({COSMIC_DEV_BROKER_BINARY, "--brokers", "2", "--bootstrap-file", bootstrap_file, "--control-port", "0"},
                {"COSMIC_PORT_FILE=" + port_file});

    const auto first = child.ReadLine(30s);
    ASSERT_TRUE(first.has_value()) << "no bootstrap line";
    EXPECT_EQ(first->rfind("127.0.0.1:", 0), 0U) << *first;
    EXPECT_EQ(std::count(first->begin(), first->end(), ','), 1) << "two brokers: " << *first;
    EXPECT_EQ(ReadFile(bootstrap_file), *first);
    const std::string control = "http://127.0.0.1:" + ReadFile(port_file);

    // Produce and read back one record on a table topic.
    rd_kafka_t* producer = NewClient(RD_KAFKA_PRODUCER, *first);
    ASSERT_NE(producer, nullptr);
    ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("job-lifecycle"), RD_KAFKA_V_PARTITION(3),
                                RD_KAFKA_V_KEY("job-1", 5), RD_KAFKA_V_VALUE(const_cast<char*>("{}"), 2),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(rd_kafka_flush(producer, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);

    rd_kafka_t* consumer = NewClient(RD_KAFKA_CONSUMER, *first);
    ASSERT_NE(consumer, nullptr);
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(assignment, "job-lifecycle", 3)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(consumer, assignment);
    rd_kafka_topic_partition_list_destroy(assignment);
    std::string key;
    const auto deadline = Clock::now() + 30s;
    while (key.empty() && Clock::now() < deadline) {
        if (rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100)) {
            if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR && message->key != nullptr) {
                key.assign(static_cast<const char*>(message->key), message->key_len);
            }
            rd_kafka_message_destroy(message);
        }
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    EXPECT_EQ(key, "job-1");

    // Fault injection over HTTP.
    EXPECT_EQ(Http("POST", control + "/brokers/2/down").first, 200);
    const auto status = Http("GET", control + "/status");
    EXPECT_EQ(status.first, 200);
    EXPECT_NE(status.second.find(R"("down":[2])"), std::string::npos) << status.second;
    EXPECT_EQ(Http("POST", control + "/brokers/2/up").first, 200);
    EXPECT_EQ(Http("POST", control + "/brokers/7/down").first, 404);
    EXPECT_EQ(Http("POST", control + "/brokers/1/rtt?ms=5").first, 200);
    EXPECT_EQ(
        Http("POST", control + "/errors", R"({"api":"Produce","errors":["NOT_LEADER_FOR_PARTITION"],"count":2})").first,
        200);

    child.Signal(SIGTERM);
    EXPECT_EQ(child.Wait(30s), std::optional<int>(0));
    EXPECT_FALSE(std::filesystem::exists(bootstrap_file));
}

TEST_F(DevBrokerProcessTest, SigintAlsoStopsCleanly) {
    Child child({COSMIC_DEV_BROKER_BINARY, "--brokers", "1"}, {});
    ASSERT_TRUE(child.ReadLine(30s).has_value());
    child.Signal(SIGINT);
    EXPECT_EQ(child.Wait(30s), std::optional<int>(0));
}

TEST_F(DevBrokerProcessTest, BadArgumentsExitWithStatusTwo) {
    Child child({COSMIC_DEV_BROKER_BINARY, "--brokers", "zero"}, {});
    EXPECT_EQ(child.Wait(30s), std::optional<int>(2));
}

}  // namespace
