// Keeps schemas/*.avsc (the contract Schema-Registry users see) and the C++ field tables in sync.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <set>

#include "cosmic/schema/fields.hpp"
#include "cosmic/schema/topics.hpp"

namespace cosmic::schema {
namespace {

namespace dom = simdjson::dom;
const std::filesystem::path kSchemasDir = COSMIC_SCHEMAS_DIR;
constexpr std::string_view kNamespace = "com.cosmic_horizons.events";

// Avro names and enum symbols: [A-Za-z_][A-Za-z0-9_]*
bool IsAvroName(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

// Avro symbols cannot hold '.', so an event_type's symbol is its wire value with the first '.' as '_'.
std::string EventTypeSymbol(std::string_view wire) {
    std::string symbol(wire);
    symbol[symbol.find('.')] = '_';
    return symbol;
}

std::string_view Str(dom::element element, std::string_view key) {
    std::string_view value;
    EXPECT_EQ(element[key].get_string().get(value), simdjson::SUCCESS) << "missing string " << key;
    return value;
}

std::vector<std::string> Symbols(dom::element enum_type) {
    std::vector<std::string> symbols;
    dom::array array;
    EXPECT_EQ(enum_type["symbols"].get_array().get(array), simdjson::SUCCESS);
    for (const auto symbol : array) {
        std::string_view text;
        EXPECT_EQ(symbol.get_string().get(text), simdjson::SUCCESS);
        EXPECT_TRUE(IsAvroName(text)) << text;
        symbols.emplace_back(text);
    }
    return symbols;
}

void CheckFieldType(const TopicSpec& topic, const FieldSpec& spec, dom::element type) {
    switch (spec.type) {
        case FieldType::kString:
        case FieldType::kTimestamp:
        case FieldType::kObject:  // JSON text of the object
            EXPECT_EQ(type.get_string().value_unsafe(), "string");
            break;
        case FieldType::kInt:
            EXPECT_EQ(type.get_string().value_unsafe(), "int");
            break;
        case FieldType::kUuid:
            ASSERT_TRUE(type.is_object());
            EXPECT_EQ(Str(type, "type"), "string");
            EXPECT_EQ(Str(type, "logicalType"), "uuid");
            break;
        case FieldType::kEnum: {
            ASSERT_TRUE(type.is_object());
            EXPECT_EQ(Str(type, "type"), "enum");
            EXPECT_TRUE(IsAvroName(Str(type, "name")));
            EXPECT_FALSE(Str(type, "doc").empty());
            std::vector<std::string> expected;
            for (const auto symbol : spec.symbols) {
                expected.push_back(spec.name == "event_type" ? EventTypeSymbol(symbol) : std::string(symbol));
            }
            EXPECT_EQ(Symbols(type), expected);
            if (spec.name == "event_type") {
                EXPECT_EQ(spec.symbols.size(), topic.event_types.size());
            }
            break;
        }
    }
}

TEST(AvroSchemas, OneFilePerTopicAndNoOthers) {
    std::set<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(kSchemasDir)) {
        if (entry.path().extension() == ".avsc") files.insert(entry.path().filename().string());
    }
    std::set<std::string> expected;
    for (const auto& topic : AllTopics()) expected.insert(std::string(topic.avro_file));
    EXPECT_EQ(files, expected);
}

TEST(AvroSchemas, AgreeWithTheFieldTables) {
    for (const auto& topic : AllTopics()) {
        SCOPED_TRACE(topic.avro_file);
        simdjson::padded_string text;
        ASSERT_EQ(simdjson::padded_string::load((kSchemasDir / topic.avro_file).string()).get(text), simdjson::SUCCESS);
        dom::parser parser;
        dom::element record;
        ASSERT_EQ(parser.parse(text).get(record), simdjson::SUCCESS);
        EXPECT_EQ(Str(record, "type"), "record");
        EXPECT_EQ(Str(record, "namespace"), kNamespace);
        EXPECT_TRUE(IsAvroName(Str(record, "name")));
        EXPECT_FALSE(Str(record, "doc").empty());

        dom::array fields;
        ASSERT_EQ(record["fields"].get_array().get(fields), simdjson::SUCCESS);
        const auto specs = TopLevelFields(topic.id);
        ASSERT_EQ(fields.size(), specs.size());
        std::size_t i = 0;
        for (const auto field : fields) {
            const FieldSpec& spec = specs[i++];
            SCOPED_TRACE(spec.name);
            EXPECT_EQ(Str(field, "name"), spec.name);
            EXPECT_FALSE(Str(field, "doc").empty()) << "every field needs a doc";
            dom::element type;
            ASSERT_EQ(field["type"].get(type), simdjson::SUCCESS);
            CheckFieldType(topic, spec, type);
            // Required on the wire <=> no Avro default; optional strings default to "".
            dom::element default_value;
            const bool has_default = field["default"].get(default_value) == simdjson::SUCCESS;
            EXPECT_EQ(has_default, !spec.required);
            if (has_default) {
                EXPECT_EQ(default_value.get_string().value_unsafe(), "");
            }
        }
    }
}

}  // namespace
}  // namespace cosmic::schema
