// Tests of configuration parsing: CHAT_DATABASE_URL and the numeric settings.
#include "worker_config.h"

#include <gtest/gtest.h>

#include <map>

namespace {

chat::EnvLookup env_of(const std::map<std::string, std::string>& values) {
  return [values](const char* name) -> const char* {
    const auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST(DatabaseUrlTest, ParsesHostPortForm) {
  std::string error;
  const auto url = chat::parse_database_url("mysql://chat:s3cret@db.example:3307/chatbot", &error);
  ASSERT_TRUE(url) << error;
  EXPECT_EQ(url->user, "chat");
  EXPECT_EQ(url->password, "s3cret");
  ASSERT_EQ(url->hosts.size(), 1u);
  EXPECT_EQ(url->hosts[0].name, "db.example");
  EXPECT_EQ(url->hosts[0].port, 3307);
  EXPECT_EQ(url->database, "chatbot");
  EXPECT_TRUE(url->socket.empty());
}

TEST(DatabaseUrlTest, DefaultsPortTo3306) {
  const auto url = chat::parse_database_url("mysql://chat:pw@127.0.0.1/chat", nullptr);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->hosts.at(0).port, 3306);
}

TEST(DatabaseUrlTest, ListsSeveralHostsInOrder) {
  const auto url = chat::parse_database_url("mysql://u:p@db1:3306,db2,[fd00::3]:3307/chat", nullptr);
  ASSERT_TRUE(url);
  ASSERT_EQ(url->hosts.size(), 3u);
  EXPECT_EQ(url->hosts[0].name, "db1");
  EXPECT_EQ(url->hosts[1].name, "db2");
  EXPECT_EQ(url->hosts[1].port, 3306);
  EXPECT_EQ(url->hosts[2].name, "fd00::3");
  EXPECT_EQ(url->hosts[2].port, 3307);
  EXPECT_EQ(url->redacted(), "mysql://u:***@db1:3306,db2:3306,[fd00::3]:3307/chat");
}

TEST(DatabaseUrlTest, ParsesSocketForm) {
  const auto url =
      chat::parse_database_url("mysql://chat:pw@localhost/chat?socket=/run/mysqld/mysqld.sock", nullptr);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(url->database, "chat");
}

TEST(DatabaseUrlTest, DecodesPercentEscapesInCredentials) {
  const auto url = chat::parse_database_url("mysql://us%40er:p%3Aw%2Fd@h/db", nullptr);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->user, "us@er");
  EXPECT_EQ(url->password, "p:w/d");
}

TEST(DatabaseUrlTest, ParsesBracketedIpv6Host) {
  const auto url = chat::parse_database_url("mysql://u:p@[::1]:3310/db", nullptr);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->hosts.at(0).name, "::1");
  EXPECT_EQ(url->hosts.at(0).port, 3310);
}

TEST(DatabaseUrlTest, RejectsMalformedUrls) {
  for (const char* bad : {"", "postgres://u:p@h/db", "mysql://h/db", "mysql://u:p@h", "mysql://u:p@h/",
                          "mysql://u:p@h:0/db", "mysql://u:p@h:99999/db", "mysql://u:p@h:x/db",
                          "mysql://u:p@/db", "mysql://u:p%zz@h/db", "mysql://u:p@h/db?socket=rel",
                          "mysql://u:p@h/db?ssl=1", "mysql://u:p@h/db?ssl-ca=",
                          "mysql://u:p@h/db?ssl-ca=ca.pem", "mysql://u:p@h/db?ssl-ca=/a&ssl-ca=/b",
                          "mysql://u:p@h/db?ssl-ca=/ca&ssl-cert=/c", "mysql://u:p@h/db?ssl-cert=/c&ssl-key=/k",
                          "mysql://u:p@h/db?ssl-ca", "mysql://u:p@h1,/db", "mysql://u:p@,h2/db",
                          "mysql://u:p@h1,,h2/db", "mysql://u:p@h1:x,h2/db",
                          "mysql://u:p@localhost,h2/db?socket=/s.sock"}) {
    std::string error;
    EXPECT_FALSE(chat::parse_database_url(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(DatabaseUrlTest, ReadsTheTlsOptions) {
  const auto url = chat::parse_database_url(
      "mysql://u:p@db.internal/chat?ssl-ca=/etc/chat/db%20ca.pem&ssl-cert=/etc/chat/c.pem&ssl-key=/etc/chat/c.key",
      nullptr);
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->uses_tls());
  EXPECT_EQ(url->ssl_ca, "/etc/chat/db ca.pem");
  EXPECT_EQ(url->ssl_cert, "/etc/chat/c.pem");
  EXPECT_EQ(url->ssl_key, "/etc/chat/c.key");
  EXPECT_EQ(url->redacted(),
            "mysql://u:***@db.internal:3306/chat?ssl-ca=/etc/chat/db ca.pem&ssl-cert=/etc/chat/c.pem&"
            "ssl-key=/etc/chat/c.key");
  EXPECT_FALSE(chat::parse_database_url("mysql://u:p@h/db", nullptr)->uses_tls());
}

TEST(DatabaseUrlTest, RedactedFormHidesThePassword) {
  const auto url = chat::parse_database_url("mysql://chat:topsecret@h:3306/db", nullptr);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->redacted().find("topsecret"), std::string::npos);
  EXPECT_NE(url->redacted().find("chat"), std::string::npos);
}

TEST(ConfigTest, ReadsDefaults) {
  std::string error;
  const auto config = chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}}), &error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->max_message_chars, 2000u);
  EXPECT_EQ(config->knowledge_file, "config/knowledge.md");
  EXPECT_GT(config->worker_threads, 0);
}

TEST(ConfigTest, ReadsOverrides) {
  const auto config = chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"},
                                                {"CHAT_MAX_MESSAGE_CHARS", "500"},
                                                {"CHAT_WORKER_THREADS", "8"},
                                                {"CHAT_KNOWLEDGE_FILE", "/etc/chat/k.md"}}),
                                         nullptr);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->max_message_chars, 500u);
  EXPECT_EQ(config->worker_threads, 8);
  EXPECT_EQ(config->knowledge_file, "/etc/chat/k.md");
}

TEST(ConfigTest, PoolAndAdmissionDoNotDependOnTheThreads) {
  const auto defaults = chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}}), nullptr);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->database_pool_size, 8);
  EXPECT_EQ(defaults->database_pool_wait_ms, 2000);
  EXPECT_EQ(defaults->max_asks_in_flight, 6144);
  const auto small = chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}, {"CHAT_WORKER_THREADS", "4"},
                                               {"CHAT_DB_POOL_SIZE", "2"}, {"CHAT_DB_POOL_WAIT_MS", "300"},
                                               {"CHAT_MAX_ASKS_IN_FLIGHT", "500"}}),
                                       nullptr);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->max_asks_in_flight, 500);  // asks wait on the event loop, not on the 4 threads
  EXPECT_EQ(small->database_pool_size, 2);
  EXPECT_EQ(small->database_pool_wait_ms, 300);
  std::string error;
  EXPECT_FALSE(chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}, {"CHAT_MAX_ASKS_IN_FLIGHT", "100001"}}),
                                 &error));
  EXPECT_EQ(error, "CHAT_MAX_ASKS_IN_FLIGHT: must be an integer from 1 to 100000");
}

TEST(ConfigTest, MissingDatabaseUrlNamesTheVariable) {
  std::string error;
  EXPECT_FALSE(chat::load_config(env_of({}), &error));
  EXPECT_EQ(error.rfind("CHAT_DATABASE_URL", 0), 0u) << error;
}

TEST(ConfigTest, BadUrlErrorNamesTheVariableButNotThePassword) {
  std::string error;
  EXPECT_FALSE(chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:hunter2@h:bad/db"}}), &error));
  EXPECT_EQ(error.rfind("CHAT_DATABASE_URL", 0), 0u) << error;
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
}

TEST(ConfigTest, BadNumbersNameTheVariable) {
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"CHAT_MAX_MESSAGE_CHARS", "0"}, {"CHAT_MAX_MESSAGE_CHARS", "12abc"},
           {"CHAT_WORKER_THREADS", "-1"}, {"CHAT_WORKER_THREADS", ""}, {"CHAT_DB_POOL_SIZE", "0"},
           {"CHAT_DB_POOL_WAIT_MS", "x"}, {"CHAT_MAX_ASKS_IN_FLIGHT", "0"}, {"CHAT_SESSION_STARTS_PER_HOUR", "-1"}}) {
    std::string error;
    EXPECT_FALSE(chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}, {name, value}}), &error))
        << name << "=" << value;
    EXPECT_EQ(error.rfind(name, 0), 0u) << error;
  }
}

TEST(ConfigTest, ModelIsOffWithoutAToken) {
  const auto config = chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}}), nullptr);
  ASSERT_TRUE(config);
  EXPECT_FALSE(config->model.enabled());
  EXPECT_EQ(config->model.url, "https://router.huggingface.co/v1");
  EXPECT_EQ(config->model.api, chat::ModelApi::chat);
  EXPECT_EQ(config->model.timeout_ms, 30000);
  EXPECT_EQ(config->model.system_role, chat::SystemRole::fold_into_user);  // Mistral by default
}

TEST(ConfigTest, ReadsModelSettings) {
  const auto config = chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"},
                                                {"HUGGINGFACE_API_KEY", "hf_secret"},
                                                {"CHAT_LLM_URL", "https://127.0.0.1:8443/v1/"},
                                                {"CHAT_LLM_API", "text-generation"},
                                                {"CHAT_MODEL", "meta-llama/Llama-3.1-8B-Instruct"},
                                                {"CHAT_LLM_TIMEOUT_MS", "5000"},
                                                {"CHAT_LLM_TEMPERATURE", "0.2"}}),
                                         nullptr);
  ASSERT_TRUE(config);
  EXPECT_TRUE(config->model.enabled());
  EXPECT_EQ(config->model.url, "https://127.0.0.1:8443/v1");
  EXPECT_EQ(config->model.api, chat::ModelApi::text_generation);
  EXPECT_EQ(config->model.timeout_ms, 5000);
  EXPECT_DOUBLE_EQ(config->model.temperature, 0.2);
  EXPECT_EQ(config->model.system_role, chat::SystemRole::system_message);
}

TEST(ConfigTest, BadModelSettingsNameTheVariable) {
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"CHAT_LLM_URL", "http://plain.example/v1"}, {"CHAT_LLM_URL", "not a url"},
           {"CHAT_LLM_API", "grpc"}, {"CHAT_LLM_TIMEOUT_MS", "soon"}, {"CHAT_CA_FILE", "/nonexistent.pem"},
           {"CHAT_LLM_TEMPERATURE", "hot"}, {"CHAT_LLM_SYSTEM_ROLE", "maybe"}}) {
    std::string error;
    EXPECT_FALSE(chat::load_config(
        env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}, {"HUGGINGFACE_API_KEY", "hf_x"}, {name, value}}), &error))
        << name << "=" << value;
    EXPECT_EQ(error.rfind(name, 0), 0u) << error;
    EXPECT_EQ(error.find("hf_x"), std::string::npos);
  }
}

TEST(ConfigTest, FastCgiPeersDefaultToLoopbackAndABadListIsNamed) {
  const auto defaults = chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}}), nullptr);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->fastcgi_peers.describe(), "127.0.0.0/8, ::1");
  const auto listed = chat::load_config(
      env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}, {"CHAT_FASTCGI_ALLOWED_PEERS", "10.0.0.5, 10.1.0.0/24"}}),
      nullptr);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->fastcgi_peers.describe(), "10.0.0.5, 10.1.0.0/24");
  std::string error;
  EXPECT_FALSE(chat::load_config(
      env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}, {"CHAT_FASTCGI_ALLOWED_PEERS", "nginx"}}), &error));
  EXPECT_EQ(error, "CHAT_FASTCGI_ALLOWED_PEERS: \"nginx\" is not an IPv4 or IPv6 address");
}

TEST(ConfigTest, TheStopTimeoutMustLeaveAnswersUnderWayTimeToFinish) {
  std::string error;
  EXPECT_FALSE(chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}, {"HUGGINGFACE_API_KEY", "hf_x"},
                                         {"CHAT_LLM_TIMEOUT_MS", "60000"}}),
                                 &error));  // the default 40 s stop would kill them
  EXPECT_EQ(error, "CHAT_STOP_TIMEOUT_SECONDS: must be at least CHAT_LLM_TIMEOUT_MS plus 5 s, so that answers under way "
                   "finish on stop");
  EXPECT_TRUE(chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}, {"HUGGINGFACE_API_KEY", "hf_x"},
                                        {"CHAT_LLM_TIMEOUT_MS", "60000"}, {"CHAT_STOP_TIMEOUT_SECONDS", "65"}}),
                                nullptr));
  EXPECT_TRUE(chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}, {"CHAT_LLM_TIMEOUT_MS", "60000"}}),
                                nullptr));  // no model: nothing waits on it
}

TEST(ConfigTest, SessionStartsPerClientAreOffWithTheOtherPerIpLimits) {
  const auto defaults = chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}}), nullptr);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->session_starts_per_hour, 60);
  const auto off = chat::load_config(env_of({{"CHAT_DATABASE_URL", "mysql://u:p@h/db"}, {"CHAT_RATE_PER_MIN", "0"}}),
                                     nullptr);
  ASSERT_TRUE(off);
  EXPECT_EQ(off->session_starts_per_hour, 0);  // CHAT_RATE_PER_MIN=0 turns every per-IP limit off
}
