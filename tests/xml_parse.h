// A strict little XML parser for the tests that check the SVG files we write: elements,
// attributes in single or double quotes, text, the five predefined entities and numeric
// character references, comments and the <?xml?> declaration. Anything else, or a
// mismatched tag, an unquoted attribute, a bare '&' or '<', throws std::runtime_error
// with the offset: a file it accepts is well-formed for this subset of XML.
#pragma once
#include <cctype>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace sg::test {

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;  // character data directly inside, entities decoded
  std::vector<std::unique_ptr<XmlElement>> children;

  // Every element below this one (and itself) named `tag`, with attribute `key` equal to
  // `value` when `key` is given.
  void find_all(const std::string& tag, std::vector<const XmlElement*>& out, const std::string& key = "",
                const std::string& value = "") const {
    const auto it = attributes.find(key);
    if (name == tag && (key.empty() || (it != attributes.end() && it->second == value))) out.push_back(this);
    for (const auto& c : children) c->find_all(tag, out, key, value);
  }
  std::vector<const XmlElement*> all(const std::string& tag, const std::string& key = "",
                                     const std::string& value = "") const {
    std::vector<const XmlElement*> out;
    find_all(tag, out, key, value);
    return out;
  }
};

class XmlParser {
 public:
  explicit XmlParser(const std::string& s) : s_(s) {}

  std::unique_ptr<XmlElement> document() {
    skip_space();
    if (starts("<?xml")) skip_past("?>");
    skip_misc();
    auto root = element();
    skip_misc();
    if (i_ != s_.size()) error("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    throw std::runtime_error("XML: " + what + " at offset " + std::to_string(i_));
  }
  bool starts(const char* p) const { return s_.compare(i_, std::char_traits<char>::length(p), p) == 0; }
  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  void skip_past(const char* end) {
    const size_t at = s_.find(end, i_);
    if (at == std::string::npos) error(std::string("no closing ") + end);
    i_ = at + std::char_traits<char>::length(end);
  }
  void skip_misc() {  // whitespace and comments between elements
    for (skip_space(); starts("<!--"); skip_space()) skip_past("-->");
  }
  std::string name() {
    const size_t b = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' || s_[i_] == '_' ||
                              s_[i_] == ':' || s_[i_] == '.'))
      ++i_;
    if (i_ == b) error("a name expected");
    return s_.substr(b, i_ - b);
  }
  // Character data up to `stop`, entities decoded; a raw '<' (in attributes) is an error.
  std::string chars(char stop) {
    std::string out;
    while (i_ < s_.size() && s_[i_] != stop) {
      if (s_[i_] == '<') error("'<' inside a value");
      if (s_[i_] != '&') {
        out += s_[i_++];
        continue;
      }
      const size_t semi = s_.find(';', i_);
      if (semi == std::string::npos || semi - i_ > 10) error("a bare '&'");
      const std::string ent = s_.substr(i_ + 1, semi - i_ - 1);
      static const std::map<std::string, std::string> named{
          {"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"apos", "'"}, {"quot", "\""}};
      if (named.count(ent)) out += named.at(ent);
      else if (ent.size() > 1 && ent[0] == '#') out += '?';  // a character reference: well-formed
      else error("unknown entity &" + ent + ";");
      i_ = semi + 1;
    }
    return out;
  }
  std::unique_ptr<XmlElement> element() {
    if (!starts("<")) error("'<' expected");
    ++i_;
    auto e = std::make_unique<XmlElement>();
    e->name = name();
    for (;;) {
      skip_space();
      if (starts("/>")) {
        i_ += 2;
        return e;
      }
      if (starts(">")) {
        ++i_;
        break;
      }
      const std::string key = name();
      skip_space();
      if (!starts("=")) error("'=' expected after attribute " + key);
      ++i_;
      skip_space();
      if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) error("attribute " + key + " is not quoted");
      const char q = s_[i_++];
      if (e->attributes.count(key)) error("duplicate attribute " + key);
      e->attributes[key] = chars(q);
      if (i_ >= s_.size()) error("unterminated attribute " + key);
      ++i_;
    }
    for (;;) {  // content
      if (i_ >= s_.size()) error("element <" + e->name + "> is not closed");
      if (starts("<!--")) {
        skip_past("-->");
      } else if (starts("</")) {
        i_ += 2;
        if (name() != e->name) error("mismatched closing tag for <" + e->name + ">");
        skip_space();
        if (!starts(">")) error("'>' expected");
        ++i_;
        return e;
      } else if (starts("<")) {
        e->children.push_back(element());
      } else {
        e->text += chars('<');
      }
    }
  }

  const std::string& s_;
  size_t i_ = 0;
};

inline std::unique_ptr<XmlElement> parse_xml(const std::string& text) { return XmlParser(text).document(); }

}  // namespace sg::test
