// The pipe protocol between the `ilf` process (sandbox/pool.cc) and an ilf-sandbox helper.
//
// Frames are a 4-byte little-endian length followed by that many bytes of JSON. The helper sends a
// hello frame at start ({"isolation": IsolationReport} or {"error": "..."}), then answers each
// request frame (ExecRequest as JSON) with one result frame (ExecResult::ToJson()).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "sandbox/sandbox.h"

namespace ilf::sandbox {

inline constexpr uint32_t kMaxFrameBytes = 256u << 20;  // refuse larger frames as corrupt

// Writes one frame; false when the pipe is broken (EPIPE etc.). Retries on EINTR.
bool WriteFrame(int fd, const std::string& payload);
// Reads one frame; nullopt on EOF, a read error or a frame over kMaxFrameBytes.
std::optional<std::string> ReadFrame(int fd);

// Source code travels as hex (program, setup, tests): JSON text cannot hold bytes that are not
// UTF-8, and each must reach compile() exactly as given (PEP 263 declarations, BOMs, invalid
// UTF-8 refused as CPython refuses it). FromHex throws std::invalid_argument on a bad digit.
std::string ToHex(const std::string& bytes);
std::string FromHex(const std::string& hex);

nlohmann::json RequestToJson(const ExecRequest& request);
// Throws nlohmann::json::exception on a malformed request (the helper answers SANDBOX_ERROR).
ExecRequest RequestFromJson(const nlohmann::json& json);
// Throws nlohmann::json::exception on a malformed result.
ExecResult ResultFromJson(const nlohmann::json& json);

}  // namespace ilf::sandbox
