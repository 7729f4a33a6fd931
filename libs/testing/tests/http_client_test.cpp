#include "cosmic/testing/http_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>

#include "fake_server.hpp"

namespace cosmic::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

/// Records each request and answers with `response`.
class RecordingServer {
  public:
    explicit RecordingServer(std::string response)
        : response_(std::move(response)), server_([this](int fd) {
              const std::string request = ReadRequest(fd);
              {
                  std::lock_guard lock(mutex_);
                  requests_.push_back(request);
              }
              SendBytes(fd, response_);
          }) {}

    int Port() const { return server_.Port(); }
    std::vector<std::string> Requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

  private:
    std::string response_;
    std::mutex mutex_;
    std::vector<std::string> requests_;
    FakeServer server_;
};

constexpr const char* kHello =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Thing: a b\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
    "hello";

TEST(HttpClientTest, GetSendsHeadersAndTokenAndReturnsStatusHeadersAndBody) {
    RecordingServer server(kHello);
    HttpRequest request;
    request.headers = {"X-Trace: t-1"};
    request.bearer_token = "s3cret";
    const HttpResponse response = HttpCall(LocalUrl(server.Port()) + "/path?q=1", request);
    EXPECT_EQ(response.status, 200);
    EXPECT_TRUE(response.Ok());
    EXPECT_EQ(response.body, "hello");
    EXPECT_EQ(response.Header("x-thing"), "a b");
    EXPECT_EQ(response.Header("Content-Type"), "text/plain");
    EXPECT_EQ(response.Header("absent"), "");
    EXPECT_TRUE(response.error.empty());
    ASSERT_EQ(server.Requests().size(), 1U);
    const std::string sent = server.Requests()[0];
    EXPECT_THAT(sent, StartsWith("GET /path?q=1 HTTP/1.1\r\n"));
    EXPECT_THAT(sent, HasSubstr("X-Trace: t-1\r\n"));
    EXPECT_THAT(sent, HasSubstr("Authorization: Bearer s3cret\r\n"));
}

TEST(HttpClientTest, ClientPostsJsonAndAnyMethodWithItsBody) {
    RecordingServer server("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    HttpClient client(server.Port());
    const HttpResponse posted = client.Post("/api/v1/jobs", R"({"a":1})", "tok");
    EXPECT_EQ(posted.status, 202);
    EXPECT_EQ(posted.body, "{}");
    HttpRequest put;
    put.method = "PUT";
    const HttpResponse empty_put = client.Send("/x", put);
    EXPECT_EQ(empty_put.status, 202);
    HttpRequest del;
    del.method = "DELETE";
    EXPECT_EQ(client.Send("/y", del).status, 202);
    EXPECT_EQ(client.Call("PATCH", "/z", R"({"b":2})", "", {"Idempotency-Key: k-1"}).status, 202);

    const std::vector<std::string> requests = server.Requests();
    ASSERT_EQ(requests.size(), 4U);
    EXPECT_THAT(requests[0], StartsWith("POST /api/v1/jobs HTTP/1.1\r\n"));
    EXPECT_THAT(requests[0], HasSubstr("Content-Type: application/json\r\n"));
    EXPECT_THAT(requests[0], HasSubstr("Authorization: Bearer tok\r\n"));
    EXPECT_THAT(requests[0], HasSubstr("\r\n\r\n{\"a\":1}"));
    // PUT always carries a (here empty) body; DELETE without one carries none.
    EXPECT_THAT(requests[1], HasSubstr("Content-Length: 0\r\n"));
    EXPECT_THAT(requests[2], StartsWith("DELETE /y HTTP/1.1\r\n"));
    EXPECT_THAT(requests[2], ::testing::Not(HasSubstr("Content-Length")));
    EXPECT_THAT(requests[3], StartsWith("PATCH /z HTTP/1.1\r\n"));
    EXPECT_THAT(requests[3], HasSubstr("Idempotency-Key: k-1\r\n"));
    EXPECT_THAT(requests[3], HasSubstr("Content-Type: application/json\r\n"));
    EXPECT_THAT(requests[3], ::testing::Not(HasSubstr("Authorization")));
}

TEST(HttpClientTest, ChunkedBodyIsSentInChunks) {
    RecordingServer server(kHello);
    HttpRequest request;
    request.method = "POST";
    request.body = std::string(10000, 'x');
    request.chunked = true;
    EXPECT_EQ(HttpCall(LocalUrl(server.Port()) + "/upload", request).status, 200);
    EXPECT_THAT(server.Requests().at(0), HasSubstr("Transfer-Encoding: chunked\r\n"));
}

TEST(HttpClientTest, InterimResponseHeadersAreDropped) {
    RecordingServer server(
        "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
        "HTTP/1.1 201 Created\r\nLocation: /jobs/1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    const HttpResponse response = HttpCall(LocalUrl(server.Port()) + "/");
    EXPECT_EQ(response.status, 201);
    EXPECT_EQ(response.Header("Location"), "/jobs/1");
    EXPECT_EQ(response.Header("X-Interim"), "");
}

TEST(HttpClientTest, NoAnswerWithinTheTimeoutIsStatusZeroWithTheError) {
    // Reads the request and then waits for the client to give up and close.
    FakeServer silent([](int fd) {
        ReadRequest(fd);
        ReadBytes(fd, 1);
    });
    HttpRequest request;
    request.timeout = std::chrono::milliseconds(200);
    const HttpResponse response = HttpCall(LocalUrl(silent.Port()) + "/slow", request);
    EXPECT_EQ(response.status, 0);
    EXPECT_FALSE(response.Ok());
    EXPECT_THAT(response.error, HasSubstr("Timeout"));
    EXPECT_THAT(response.Describe(), StartsWith("no response: "));
}

TEST(HttpClientTest, RefusedConnectionIsStatusZero) {
    int port = 0;
    {
        FakeServer gone([](int) {});
        port = gone.Port();
    }
    HttpClient client(port);
    const HttpResponse response = client.Get("/healthz");
    EXPECT_EQ(response.status, 0);
    EXPECT_FALSE(response.error.empty());
}

TEST(HttpClientTest, DescribeShowsStatusAndBody) {
    HttpResponse response;
    response.status = 404;
    response.body = R"({"error":"not_found"})";
    EXPECT_EQ(response.Describe(), R"(status 404: {"error":"not_found"})");
}

TEST(HttpClientTest, UrlEncodeKeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(UrlEncode("job-1_a.b~c"), "job-1_a.b~c");
    EXPECT_EQ(UrlEncode("a b/c&d=é"), "a%20b%2Fc%26d%3D%C3%A9");
    EXPECT_EQ(LocalUrl(8080), "http://127.0.0.1:8080");
}

}  // namespace
}  // namespace cosmic::testing
