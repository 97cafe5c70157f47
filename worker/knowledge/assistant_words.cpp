// Reading the assistant's words from JSON (see the header).
#include "knowledge/assistant_words.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "json.h"
#include "knowledge/text_analysis.h"

namespace chat {
namespace {

using TextField = std::string AssistantWords::*;
using WordSetField = std::unordered_set<std::string> AssistantWords::*;

const std::map<std::string, TextField> kTextFields = {
    {"unnamed_company", &AssistantWords::unnamed_company},
    {"intro_section_title", &AssistantWords::intro_section_title},
    {"intro_section_title_unnamed", &AssistantWords::intro_section_title_unnamed},
    {"contact_section_word", &AssistantWords::contact_section_word},
    {"system_prompt", &AssistantWords::system_prompt},
    {"greeting_reply", &AssistantWords::greeting_reply},
    {"thanks_reply", &AssistantWords::thanks_reply},
    {"best_section", &AssistantWords::best_section},
    {"second_section", &AssistantWords::second_section},
    {"dont_know_with_contact", &AssistantWords::dont_know_with_contact},
    {"dont_know_without_contact", &AssistantWords::dont_know_without_contact},
    {"interrupted_note", &AssistantWords::interrupted_note},
    {"visitor_left_note", &AssistantWords::visitor_left_note},
};

const std::map<std::string, WordSetField> kWordSetFields = {
    {"stop_words", &AssistantWords::stop_words},
    {"greeting_words", &AssistantWords::greeting_words},
    {"thanks_words", &AssistantWords::thanks_words},
    {"greeting_filler", &AssistantWords::greeting_filler},
};

bool fail(std::string* error, const std::string& reason) {
  if (error) *error = reason;
  return false;
}

bool is_comment_key(const std::string& key) { return key == "about" || key.ends_with("_about"); }

bool read_word_set(const Json::Value& value, const std::string& key, std::unordered_set<std::string>& out,
                   std::string* error) {
  if (!value.isArray()) return fail(error, key + " must be an array of words");
  for (const Json::Value& word : value) {
    if (!word.isString()) return fail(error, key + " must be an array of words");
    for (std::string& part : split_words(word.asString())) out.insert(std::move(part));
  }
  return true;
}

bool read_synonym_group(const Json::Value& group, std::vector<Synonym>& out, std::string* error) {
  const Json::Value& triggers = group["triggers"];
  const Json::Value& expansion = group["expansion"];
  const Json::Value& weight = group.get("weight", kDefaultExpansionWeight);
  if (!triggers.isArray() || triggers.empty() || !expansion.isString() || !weight.isNumeric()) {
    return fail(error, "synonyms: each group needs triggers (words), expansion (text) and an optional weight");
  }
  for (const Json::Value& trigger : triggers) {
    if (!trigger.isString() || split_words(trigger.asString()).empty()) {
      return fail(error, "synonyms: a trigger must be one or more words");
    }
    out.push_back({split_words(trigger.asString()), split_words(expansion.asString()), weight.asDouble()});
  }
  return true;
}

bool read_synonyms(const Json::Value& value, std::vector<Synonym>& out, std::string* error) {
  if (!value.isArray()) return fail(error, "synonyms must be an array of groups");
  for (const Json::Value& group : value) {
    if (!group.isObject()) return fail(error, "synonyms must be an array of groups");
    if (!read_synonym_group(group, out, error)) return false;
  }
  return true;
}

// "languages": {"de": {"words": [...], "note": "..."}, ...}
bool read_languages(const Json::Value& value, std::vector<LanguageNote>& out, std::string* error) {
  if (!value.isObject()) return fail(error, "languages must be an object of languages");
  for (const std::string& code : value.getMemberNames()) {
    const Json::Value& language = value[code];
    LanguageNote note{code, {}, {}};
    if (!language.isObject() || !language["note"].isString() ||
        !read_word_set(language["words"], "languages." + code + ".words", note.words, error)) {
      return fail(error, "languages." + code + ": needs words (an array) and note (text)");
    }
    note.note = language["note"].asString();
    out.push_back(std::move(note));
  }
  return true;
}

bool read_member(const Json::Value& root, const std::string& key, AssistantWords& words, std::string* error) {
  const Json::Value& value = root[key];
  if (const auto text = kTextFields.find(key); text != kTextFields.end()) {
    if (!value.isString()) return fail(error, key + " must be a string");
    words.*(text->second) = value.asString();
    return true;
  }
  if (const auto set = kWordSetFields.find(key); set != kWordSetFields.end()) {
    return read_word_set(value, key, words.*(set->second), error);
  }
  if (key == "synonyms") return read_synonyms(value, words.synonyms, error);
  if (key == "languages") return read_languages(value, words.languages, error);
  return is_comment_key(key) || fail(error, "unknown key " + key);
}

}  // namespace

std::optional<AssistantWords> parse_assistant_words(std::string_view json, std::string* error) {
  std::string reason;
  const auto root = json::parse_strict(json, &reason);
  if (!root || !root->isObject()) {
    fail(error, "not a JSON object" + (reason.empty() ? "" : " (" + reason + ")"));
    return std::nullopt;
  }
  AssistantWords words;
  for (const std::string& key : root->getMemberNames()) {
    if (!read_member(*root, key, words, error)) return std::nullopt;
  }
  const auto missing = [&](const std::string& key) {
    if (root->isMember(key)) return false;
    fail(error, key + " is missing");
    return true;
  };
  for (const auto& [key, field] : kTextFields) {
    if (missing(key)) return std::nullopt;
  }
  for (const auto& [key, field] : kWordSetFields) {
    if (missing(key)) return std::nullopt;
  }
  if (missing("synonyms")) return std::nullopt;
  return words;
}

std::optional<AssistantWords> load_assistant_words(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  if (!in || !(content << in.rdbuf())) {
    fail(error, "cannot read " + path);
    return std::nullopt;
  }
  std::string reason;
  auto words = parse_assistant_words(content.str(), &reason);
  if (!words) fail(error, path + ": " + reason);
  return words;
}

std::string fill_template(std::string_view text,
                          std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
  std::string out;
  while (!text.empty()) {
    const std::size_t open = text.find('{');
    out.append(text.substr(0, open));
    if (open == std::string_view::npos) break;
    text.remove_prefix(open);
    const std::size_t close = text.find('}');
    const std::string_view name = close == std::string_view::npos ? "" : text.substr(1, close - 1);
    const auto value = std::find_if(values.begin(), values.end(), [&](const auto& v) { return v.first == name; });
    if (value == values.end()) {
      out.push_back('{');
      text.remove_prefix(1);
    } else {
      out.append(value->second);
      text.remove_prefix(close + 1);
    }
  }
  return out;
}

}  // namespace chat
