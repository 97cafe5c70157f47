// Tests of chat-admin's settings: the read URL defaults to the primary, the token is optional
// but must be a long bearer token when set, and errors name the variable without its value.
#include "admin_config.h"

#include <gtest/gtest.h>

#include <map>

namespace {

using Environment = std::map<std::string, std::string>;

std::optional<chat::AdminConfig> load(const Environment& environment, std::string* error) {
  return chat::load_admin_config(
      [&](const char* name) -> const char* {
        const auto it = environment.find(name);
        return it == environment.end() ? nullptr : it->second.c_str();
      },
      error);
}

const std::string kPrimary = "mysql://chat:primary-pw@db1:3306/chat";
const std::string kReplica = "mysql://report:replica-pw@db2:3307/chat";

}  // namespace

TEST(AdminConfigTest, ReadsDefaultToThePrimary) {
  std::string error;
  const auto config = load({{"CHAT_DATABASE_URL", kPrimary}}, &error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->read_database.hosts.at(0).name, "db1");
  EXPECT_EQ(config->database.hosts.at(0).name, "db1");
  EXPECT_FALSE(config->token);
}

TEST(AdminConfigTest, ReadsMayGoToAReplica) {
  std::string error;
  const auto config = load({{"CHAT_DATABASE_URL", kPrimary}, {"CHAT_ADMIN_DATABASE_URL", kReplica},
                            {"CHAT_ADMIN_TOKEN", "0123456789abcdef0123"}}, &error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->read_database.hosts.at(0).name, "db2");
  EXPECT_EQ(config->read_database.hosts.at(0).port, 3307);
  EXPECT_EQ(config->database.hosts.at(0).name, "db1");
  EXPECT_EQ(config->token, "0123456789abcdef0123");
}

TEST(AdminConfigTest, AnEmptyTokenIsUnset) {
  std::string error;
  const auto config = load({{"CHAT_DATABASE_URL", kPrimary}, {"CHAT_ADMIN_TOKEN", ""}}, &error);
  ASSERT_TRUE(config) << error;
  EXPECT_FALSE(config->token);
}

TEST(AdminConfigTest, BadValuesNameTheVariableAndHideSecrets) {
  std::string error;
  EXPECT_FALSE(load({}, &error));
  EXPECT_EQ(error, "CHAT_DATABASE_URL: is not set");
  EXPECT_FALSE(load({{"CHAT_DATABASE_URL", kPrimary}, {"CHAT_ADMIN_DATABASE_URL", "postgres://x:replica-pw@h/d"}},
                    &error));
  EXPECT_TRUE(error.starts_with("CHAT_ADMIN_DATABASE_URL: ")) << error;
  EXPECT_EQ(error.find("replica-pw"), std::string::npos);
  EXPECT_FALSE(load({{"CHAT_DATABASE_URL", kPrimary}, {"CHAT_ADMIN_TOKEN", "short-secret"}}, &error));
  EXPECT_TRUE(error.starts_with("CHAT_ADMIN_TOKEN: ")) << error;
  EXPECT_EQ(error.find("short-secret"), std::string::npos);
}

TEST(AdminConfigTest, TheLeadWebhookIsHttpsAndNeverEchoed) {
  std::string error;
  EXPECT_FALSE(load({{"CHAT_DATABASE_URL", kPrimary}}, &error)->lead_webhook);
  const std::string secret_url = "https://hooks.example.com/services/T0/B0/secret-part";
  auto config = load({{"CHAT_DATABASE_URL", kPrimary}, {"CHAT_LEAD_WEBHOOK_URL", secret_url}}, &error);
  ASSERT_TRUE(config && config->lead_webhook) << error;
  EXPECT_EQ(config->lead_webhook->url, secret_url);
  EXPECT_FALSE(config->lead_webhook->ca_file);
  for (const char* bad : {"http://hooks.example.com/x", "https://", "hooks.example.com"}) {
    error.clear();
    EXPECT_FALSE(load({{"CHAT_DATABASE_URL", kPrimary}, {"CHAT_LEAD_WEBHOOK_URL", bad}}, &error)) << bad;
    EXPECT_EQ(error.find("CHAT_LEAD_WEBHOOK_URL"), 0u) << error;
    EXPECT_EQ(error.find(bad), std::string::npos) << error;
  }
  error.clear();
  EXPECT_FALSE(load({{"CHAT_DATABASE_URL", kPrimary}, {"CHAT_LEAD_WEBHOOK_URL", secret_url},
                     {"CHAT_CA_FILE", "/nonexistent/ca.pem"}}, &error));
  EXPECT_NE(error.find("CHAT_CA_FILE"), std::string::npos);
}
