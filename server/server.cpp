// After Boost.Beast 1.74's example/http/server/async: a listener accepts, a session reads one
// request, hands it to App::handle (which knows nothing of sockets) and writes the response.
#include "server/server.h"

#include <cstdio>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "server/http_util.h"

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
    // before it is buffered whole.
    parser_.emplace();
    parser_->body_limit(app_.options().body_limit);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(std::chrono::seconds(30));
    beast::http::async_read(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == beast::http::error::end_of_stream) return close();
    if (ec == beast::http::error::body_limit) {
      Request head = parser_->release();
      head.keep_alive(false);
      return write(error_response(head, beast::http::status::payload_too_large,
                                  "请求过大：上限 " +
                                      std::to_string(app_.options().body_limit / (1024 * 1024)) +
                                      " MB (the body is larger than the limit)"));
    }
    if (ec) return fail(ec, "read");
    std::string peer;
    beast::error_code ignored;
    auto endpoint = stream_.socket().remote_endpoint(ignored);
    if (!ignored) peer = endpoint.address().to_string();
    write(app_.handle(parser_->release(), peer));
  }

  void write(Response response) {
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

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  App& app_;
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  std::shared_ptr<Response> response_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, tcp::acceptor acceptor, App& app)
      : ioc_(ioc), acceptor_(std::move(acceptor)), app_(app) {}
  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void close() {
    beast::error_code ec;
    acceptor_.close(ec);
  }

 private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec)
      fail(ec, "accept");
    else
      std::make_shared<Session>(std::move(socket), app_)->run();
    // Take every connection already waiting as well: an accept completes at the back of the
    // I/O thread's queue, behind a request of each busy connection, so one per turn had the
    // last of 200 connections opened at once wait seconds (some past wrk's 10 s timeout).
    while (!ec) {
      tcp::socket next(net::make_strand(ioc_));
      acceptor_.accept(next, ec);  // the acceptor is non-blocking: would_block when none waits
      if (!ec) std::make_shared<Session>(std::move(next), app_)->run();
    }
    accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  App& app_;
};

}  // namespace

struct Server::Impl {
  net::io_context ioc{1};
  std::unique_ptr<App> app;
  std::shared_ptr<Listener> listener;
  unsigned short port = 0;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::start(ServeOptions options) {
  auto impl = std::make_unique<Impl>();
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
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

unsigned short Server::port() const { return impl_->port; }

void Server::run(bool signals) {
  std::optional<net::signal_set> stop_on;
  if (signals) {
    stop_on.emplace(impl_->ioc, SIGINT, SIGTERM);
    stop_on->async_wait([this](beast::error_code, int) { stop(); });
  }
  impl_->ioc.run();
}

void Server::stop() {
  net::post(impl_->ioc, [this] {
    impl_->listener->close();
    impl_->ioc.stop();
  });
}

}  // namespace keydesk::server
