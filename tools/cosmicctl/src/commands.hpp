#pragma once
// The subcommands. Each returns the exit status or throws UsageError / CommandError.

#include <atomic>
#include <chrono>

#include "args.hpp"
#include "cli.hpp"
#include "cosmic/kafka/client_config.hpp"

namespace cosmic::cosmicctl {

struct Context {
    kafka::ClientConfig config;
    std::chrono::milliseconds timeout;
    Io io;
    const std::atomic<bool>& stop;
};

int TopicsApply(const Context& context, const Args& args);
int TopicsDescribe(const Context& context, const Args& args);
int Lag(const Context& context, const Args& args);
int DlqList(const Context& context, const Args& args);
int DlqReplay(const Context& context, const Args& args);
int Produce(const Context& context, const Args& args);
int Tail(const Context& context, const Args& args);
int GroupsList(const Context& context, const Args& args);
int GroupsDescribe(const Context& context, const Args& args);
int OffsetsReset(const Context& context, const Args& args);

}  // namespace cosmic::cosmicctl
