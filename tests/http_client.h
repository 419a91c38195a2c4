// Test helpers for the web counter over loopback: a kept-alive connection that can sign in, and
// the multipart body the online filing system posts a submission with.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace keydesk::test {

// How long a step may wait for an answer before the test gives up on it: a guard against a test
// that hangs (the behaviour under test missing), never a measurement.
constexpr auto kGiveUp = std::chrono::seconds(60);

using Answer = boost::beast::http::response<boost::beast::http::string_body>;

// One kept-alive connection to 127.0.0.1:`port`; after log_in, a signed-in person's (the session
// cookie and CSRF token sent with every request). A read that gets nothing within kGiveUp fails
// the test rather than hang it.
struct HttpClient {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream{ioc};
  boost::beast::flat_buffer buffer;
  std::string cookie, csrf;

  explicit HttpClient(unsigned short port) {
    stream.connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    timeval give_up{std::chrono::seconds(kGiveUp).count(), 0};
    ::setsockopt(stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &give_up,
                 sizeof give_up);
  }
  void log_in(const std::string& name, const std::string& password) {
    Answer login = send(boost::beast::http::verb::post, "/api/login",
                        nlohmann::json{{"name", name}, {"password", password}}.dump());
    REQUIRE(login.result() == boost::beast::http::status::ok);
    std::string set_cookie(login[boost::beast::http::field::set_cookie]);
    cookie = set_cookie.substr(0, set_cookie.find(';'));
    csrf = nlohmann::json::parse(login.body())["csrf"].get<std::string>();
  }
  Answer send(boost::beast::http::verb method, const std::string& target,
              const std::string& body = "",
              const std::map<std::string, std::string>& headers = {}) {
    boost::beast::http::request<boost::beast::http::string_body> req{method, target, 11};
    req.set(boost::beast::http::field::host, "127.0.0.1");
    if (!cookie.empty()) req.set(boost::beast::http::field::cookie, cookie);
    if (!csrf.empty()) req.set("X-CSRF-Token", csrf);
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    boost::beast::http::write(stream, req);
    Answer res;
    boost::beast::http::read(stream, buffer, res);
    return res;
  }
  // `send` on a thread of its own; the answer from get().
  std::future<Answer> send_async(boost::beast::http::verb method, const std::string& target,
                                 const std::string& body = "") {
    return std::async(std::launch::async,
                      [this, method, target, body] { return send(method, target, body); });
  }
};

inline std::string slurp_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The boundary of multipart() bodies, and their Content-Type.
inline const std::string kMultipartType = "multipart/form-data; boundary=kd-boundary-7MA4YWxk";

// A multipart/form-data body: the submission's JSON and its material files read from `dir`,
// each file named as the client chooses (`client_name` maps a file's name in `dir` to the name
// the client gives it, in the JSON and on its part alike).
inline std::string multipart(const nlohmann::json& submission, const std::filesystem::path& dir,
                             const std::map<std::string, std::string>& client_name = {}) {
  const std::string boundary = "kd-boundary-7MA4YWxk";
  nlohmann::json as_sent = submission;
  std::string files;
  for (auto& m : as_sent["materials"]) {
    const std::string file = m["file"];
    auto renamed = client_name.find(file);
    const std::string sent = renamed == client_name.end() ? file : renamed->second;
    m["file"] = sent;
    files += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
             sent + "\"\r\nContent-Type: image/jpeg\r\n\r\n" + slurp_file(dir / file) + "\r\n";
  }
  return "--" + boundary +
         "\r\nContent-Disposition: form-data; name=\"submission\"\r\n"
         "Content-Type: application/json\r\n\r\n" +
         as_sent.dump() + "\r\n" + files + "--" + boundary + "--\r\n";
}

// Whether the intake folder still holds an attempt's folder for case `id`: a name that starts
// ID.partial or ID.resubmission (`kind`), the files of a submission before they become its folder.
inline bool attempt_left(const std::filesystem::path& intake, const std::string& id,
                         const std::string& kind) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(intake, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().rfind(id + "." + kind, 0) == 0) return true;
  return false;
}

}  // namespace keydesk::test
