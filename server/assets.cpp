#include "server/assets.h"

namespace keydesk::embedded {
extern const char asset_index_html[];
extern const char asset_app_js[];
extern const char asset_style_css[];
}  // namespace keydesk::embedded

namespace keydesk::server {

const Asset* find_asset(const std::string& path) {
  static const Asset page{embedded::asset_index_html, "text/html; charset=utf-8"};
  static const Asset script{embedded::asset_app_js, "text/javascript; charset=utf-8"};
  static const Asset style{embedded::asset_style_css, "text/css; charset=utf-8"};
  if (path == "/static/app.js") return &script;
  if (path == "/static/style.css") return &style;
  // The pages are drawn by the script from the API; every page path gets the shell.
  for (const char* prefix : {"/cases/", "/batch", "/vendor", "/rules"})
    if (path.rfind(prefix, 0) == 0) return &page;
  if (path == "/" || path == "/login" || path == "/queue") return &page;
  return nullptr;
}

}  // namespace keydesk::server
