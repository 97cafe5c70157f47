// Posting one lead to the webhook (see the header).
#include "leads/lead_webhook.h"

#include <curl/curl.h>

#include <memory>

#include "admin_limits.h"

namespace chat {
namespace {

// The reply body is not needed: only its status counts.
size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

WebhookReply post_to_webhook(const WebhookTarget& target, const std::string& json, const std::string& idempotency_key) {
  WebhookReply reply;
  const std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    reply.detail = "curl_easy_init failed";
    return reply;
  }
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, ("Idempotency-Key: " + idempotency_key).c_str());
  const std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers, curl_slist_free_all);
  char error[CURL_ERROR_SIZE] = "";
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, target.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  if (target.ca_file) curl_easy_setopt(handle, CURLOPT_CAINFO, target.ca_file->c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, json.c_str());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(json.size()));
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(kWebhookConnectTimeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(kWebhookTimeout.count()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
  const CURLcode result = curl_easy_perform(handle);
  if (result != CURLE_OK) {
    reply.detail = error[0] ? error : curl_easy_strerror(result);
    return reply;
  }
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &reply.http_status);
  reply.acknowledged = reply.http_status >= 200 && reply.http_status < 300;
  reply.detail = "HTTP " + std::to_string(reply.http_status);
  return reply;
}

}  // namespace chat
