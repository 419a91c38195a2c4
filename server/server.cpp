// After Boost.Beast 1.74's example/http/server/async: a listener accepts, a session reads one
// request, hands it to App::handle (which knows nothing of sockets) on a handler thread and
// writes the response back on its strand.
#include "server/server.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "server/http_util.h"
#include "server/mail_pump.h"

namespace keydesk::server {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// The one reporting point; end_of_stream and a reset by the peer are normal closes.
void fail(beast::error_code ec, const char* what) {
  if (ec == net::error::operation_aborted || ec == beast::http::error::end_of_stream ||
      ec == net::error::connection_reset || ec == beast::error::timeout)
    return;
  std::fprintf(stderr, "keydesk serve: %s: %s\n", what, ec.message().c_str());
}

// What a request may weigh before its body: the request line and the header fields each up to
// kHeaderLimit (Beast counts them apart), the target up to kTargetLimit. Browsers send a few KB
// (cookies included) and the longest target keydesk makes, a cover sheet's ?cases= list of a
// 200-case batch, is about 3 KB; nginx's default buffers are 8 KB.
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kTargetLimit = 8 * 1024;
// After answering a request that was not read to its end (a refusal at a limit, bad framing), the
// rest of what the client sends is read and dropped for up to this long before the socket is
// closed: closing with unread bytes would reset the connection, and a reset can reach the client
// before it has read the answer.
constexpr auto kLingerTime = std::chrono::seconds(2);

// The answer to a request the parser refused (`ec`), written before the connection is closed;
// nullopt when there is nobody to answer (the client went away or sent nothing). `head` is what
// the parser made of the request (no target while the request line is not parsed), `unread` the
// bytes it left in the buffer (from the request line on, when that is not parsed).
struct ReadRefusal {
  beast::http::status status;
  std::string message;
};
std::optional<ReadRefusal> read_refusal(beast::error_code ec, const Request& head,
                                        std::string_view unread, std::uint64_t body_limit) {
  using error = beast::http::error;
  using status = beast::http::status;
  if (ec == error::body_limit)
    return ReadRefusal{status::payload_too_large, "请求过大：上限 " +
                                                      std::to_string(body_limit / (1024 * 1024)) +
                                                      " MB (the body is larger than the limit)"};
  if (ec == error::header_limit) {
    // The limit was met in the request line when it has no end within the limit. (Beast may
    // leave the request line unparsed while it looks for the end of the header fields.)
    const size_t line = unread.find("\r\n");
    if (head.target().empty() && (line == std::string_view::npos || line > kTargetLimit))
      return ReadRefusal{status::uri_too_long, "网址过长：上限 " +
                                                   std::to_string(kTargetLimit / 1024) +
                                                   " KB (the request target is too long)"};
    return ReadRefusal{status::request_header_fields_too_large,
                       "请求头过大：上限 " + std::to_string(kHeaderLimit / 1024) +
                           " KB (the header fields are too large)"};
  }
  // Two lengths that disagree, a length and chunked together, a malformed length or chunk: the
  // body's end cannot be known, so neither can where a next request would start.
  if (ec == error::bad_content_length || ec == error::bad_transfer_encoding ||
      ec == error::bad_chunk || ec == error::bad_chunk_extension)
    return ReadRefusal{status::bad_request,
                       "请求长度不明确 (conflicting or malformed Content-Length / "
                       "Transfer-Encoding: " +
                           ec.message() + ")"};
  if (ec == error::bad_line_ending || ec == error::bad_method || ec == error::bad_target ||
      ec == error::bad_version || ec == error::bad_field || ec == error::bad_value ||
      ec == error::bad_obs_fold || ec == error::buffer_overflow)
    return ReadRefusal{status::bad_request,
                       "请求格式有误 (malformed HTTP request: " + ec.message() + ")"};
  return std::nullopt;  // end of stream, a request cut off, a timeout, a reset
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, App& app) : stream_(std::move(socket)), app_(app) {}

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::read, shared_from_this()));
  }

 private:
  void read() {
    // A fresh parser per request: its body limit cuts an oversize upload off while reading,
    // before it is buffered whole; its header limit does the same for the request line and the
    // header fields.
    parser_.emplace();
    parser_->body_limit(app_.options().body_limit);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(std::chrono::seconds(30));
    beast::http::async_read(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == beast::http::error::end_of_stream) return close();
    if (ec) {
      // A request the parser refused gets its 4xx; only then is the connection closed.
      Request head = parser_->release();
      auto refusal = read_refusal(
          ec, head,
          std::string_view(static_cast<const char*>(buffer_.data().data()), buffer_.size()),
          app_.options().body_limit);
      if (!refusal) return fail(ec, "read");
      return refuse(std::move(head), refusal->status, refusal->message);
    }
    if (parser_->get().target().size() > kTargetLimit)
      return refuse(parser_->release(), beast::http::status::uri_too_long,
                    "网址过长：上限 " + std::to_string(kTargetLimit / 1024) +
                        " KB (the request target is too long)");
    std::string peer;
    beast::error_code ignored;
    auto endpoint = stream_.socket().remote_endpoint(ignored);
    if (!ignored) peer = endpoint.address().to_string();
    // Handled here, on this session's strand: the server's other threads go on reading,
    // handling and writing the other connections meanwhile (a slow PDF holds up one thread, not
    // the server). Handing each request to a pool and its answer back cost two thread switches
    // a request: an eighth of a fresh queue page's time.
    write(app_.handle(parser_->release(), peer));
  }

  // Answers `head` (whatever of the request was read) with `status`, then closes: the rest of
  // the request, if any, is never read as a request.
  void refuse(Request head, beast::http::status status, const std::string& message) {
    if (head.version() != 10) head.version(11);  // the request line may not have been read
    head.keep_alive(false);
    write(error_response(head, status, message));
  }

  void write(Response response) {
    // The read's time limit ran while the request was handled: the answer has a time of its own.
    stream_.expires_after(std::chrono::seconds(30));
    response_ = std::make_shared<Response>(std::move(response));
    beast::http::async_write(
        stream_, *response_,
        beast::bind_front_handler(&Session::on_write, shared_from_this(), response_->need_eof()));
  }

  void on_write(bool close_after, beast::error_code ec, std::size_t) {
    if (ec) return fail(ec, "write");
    if (close_after) return close();
    response_.reset();
    read();
  }

  // Ends the connection: our side first, then what the client still sends is read and dropped
  // until it closes too or kLingerTime passes (see kLingerTime); the socket closes with the
  // session. A fixed buffer: the dropping grows nothing.
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
    stream_.expires_after(kLingerTime);
    drain();
  }
  void drain() {
    stream_.async_read_some(net::buffer(drained_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->drain();
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  App& app_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::shared_ptr<Response> response_;
  std::array<char, 4096> drained_;
};

// How long the listener waits before accepting again after accept failed (at the open-files
// limit, EMFILE/ENFILE, or out of buffers): retried at once, the failure would repeat at once,
// and the I/O thread would spin on it while the sessions it has wait. Doubling from the first to
// the last delay, back to the first once a connection is accepted.
constexpr auto kFirstAcceptDelay = std::chrono::milliseconds(100);
constexpr auto kLastAcceptDelay = std::chrono::milliseconds(1000);

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, tcp::acceptor acceptor, App& app)
      : ioc_(ioc), acceptor_(std::move(acceptor)), app_(app), retry_(ioc) {}
  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void close() {
    beast::error_code ec;
    acceptor_.close(ec);
    retry_.cancel();
  }

 private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(std::move(socket), app_)->run();
    // Take every connection already waiting as well: an accept completes at the back of the
    // I/O thread's queue, behind a request of each busy connection, so one per turn had the
    // last of 200 connections opened at once wait seconds (some past wrk's 10 s timeout).
    while (!ec) {
      tcp::socket next(net::make_strand(ioc_));
      acceptor_.accept(next, ec);  // the acceptor is non-blocking: would_block when none waits
      if (!ec) std::make_shared<Session>(std::move(next), app_)->run();
    }
    if (ec != net::error::would_block && ec != net::error::try_again &&
        ec != net::error::connection_aborted)
      return back_off(ec);
    delay_ = kFirstAcceptDelay;
    accept();
  }

  // Accepts again after the delay, doubled for the next failure. Reported once per run of
  // failures (the first), not once per retry.
  void back_off(beast::error_code ec) {
    if (delay_ == kFirstAcceptDelay)
      fail(ec, "accept (retrying every 0.1 s to 1 s until it succeeds)");
    retry_.expires_after(delay_);
    delay_ = std::min<std::chrono::steady_clock::duration>(2 * delay_, kLastAcceptDelay);
    retry_.async_wait([self = shared_from_this()](beast::error_code waited) {
      if (!waited) self->accept();
    });
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  App& app_;
  net::steady_timer retry_;
  std::chrono::steady_clock::duration delay_ = kFirstAcceptDelay;
};

}  // namespace

struct Server::Impl {
  explicit Impl(unsigned n) : threads(n), ioc(static_cast<int>(n)) {}
  // Every thread runs the I/O context: each reads, handles and writes whichever connection is
  // ready (each connection on a strand of its own), with a database connection of the app each.
  unsigned threads;
  net::io_context ioc;
  std::unique_ptr<App> app;
  std::shared_ptr<Listener> listener;
  unsigned short port = 0;
  std::unique_ptr<MailPump> mail;  // stopped first: declared last
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::start(ServeOptions options) {
  auto impl = std::make_unique<Impl>(
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency()));
  options.app.connections = impl->threads;
  auto app = App::create(std::move(options.app));
  if (!app) return app.error();
  impl->app = std::move(app).value();
  beast::error_code ec;
  auto address = net::ip::make_address(options.address, ec);
  if (ec) return Error{"--address " + options.address + ": not an IP address (e.g. 127.0.0.1)"};
  tcp::acceptor acceptor(impl->ioc);
  tcp::endpoint endpoint{address, options.port};
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (!ec) acceptor.non_blocking(true, ec);  // Listener::on_accept takes the waiting ones
  if (ec)
    return Error{"cannot listen on " + options.address + ":" + std::to_string(options.port) + ": " +
                 ec.message() + " (choose another --port)"};
  impl->port = acceptor.local_endpoint().port();
  impl->listener = std::make_shared<Listener>(impl->ioc, std::move(acceptor), *impl->app);
  impl->listener->accept();
  if (options.mail_interval.count() > 0) {
    auto pump = MailPump::start(impl->app->options(), options.mail_interval);
    if (!pump) return pump.error();
    impl->mail = std::move(pump).value();
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

unsigned short Server::port() const { return impl_->port; }
unsigned Server::threads() const { return impl_->threads; }

void Server::run(bool signals) {
  std::optional<net::signal_set> stop_on;
  if (signals) {
    stop_on.emplace(impl_->ioc, SIGINT, SIGTERM);
    stop_on->async_wait([this](beast::error_code, int) { stop(); });
  }
  // This thread and threads - 1 more; a request in hand finishes before run() returns.
  std::vector<std::thread> more;
  for (unsigned i = 1; i < impl_->threads; ++i) more.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (std::thread& t : more) t.join();
}

void Server::stop() {
  net::post(impl_->ioc, [this] {
    impl_->listener->close();
    impl_->ioc.stop();
  });
}

}  // namespace keydesk::server
