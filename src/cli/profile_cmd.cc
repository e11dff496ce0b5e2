// `dnnpart profile import --from csv FILE --into BASE.json [-o OUT.json]`:
// merge measured per-layer costs into a platform profile.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.h"
#include "dnnpart/error.h"
#include "dnnpart/profile_import.h"

namespace dnnpart::cli {

Action RegisterProfile(CLI::App& app) {
  struct Flags {
    std::string from = "csv";
    std::string table_path;
    std::string base_path;
    std::string output_path;
    bool force = false;
    bool no_energy = false;
    std::string separator;
    std::string missing = "zero";
    CsvImportOptions csv;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* profile = app.add_subcommand("profile", "Work with platform profiles");
  profile->require_subcommand(1);
  CLI::App* import = profile->add_subcommand("import", "Import a per-layer measurement table into a platform profile");
  import->add_option("table", flags->table_path, "The measurement table")->required();
  import->add_option("--from", flags->from, "Table format")->check(CLI::IsMember({"csv"}));
  import->add_option("--into", flags->base_path, "Base platform profile to add the table to")->required();
  import->add_option("-o,--output", flags->output_path, "Write the new profile here (default: stdout)");
  import->add_flag("--force", flags->force, "Allow --output to replace an existing file");
  import->add_option("--name-column", flags->csv.name_column, "Column with ONNX node names (default 'Layer')");
  import->add_option("--latency-column", flags->csv.latency_column, "Column with latency in ms (default 'Latency [ms]')");
  import->add_option("--energy-column", flags->csv.energy_column, "Column with energy in mJ (default 'Energy [mJ]')");
  import->add_flag("--no-energy", flags->no_energy, "The table has no energy column");
  import->add_option("--separator", flags->separator, "Field separator (default: ';' if the header has one, else ',')");
  import->add_option("--missing", flags->missing, "What layers absent from the table cost: zero or estimate")
      ->check(CLI::IsMember({"zero", "estimate"}));
  import->add_option("--rename", flags->csv.rename, "Name of the new profile");
  return [flags]() -> int {
    CsvImportOptions options = flags->csv;
    if (flags->no_energy) options.energy_column.clear();
    if (flags->separator.size() > 1) throw Error("--separator must be one character, got '" + flags->separator + "'");
    if (flags->separator.size() == 1) options.separator = flags->separator[0];
    options.missing = flags->missing == "estimate" ? MissingLayers::kEstimate : MissingLayers::kZero;
    options.output_path = flags->output_path;
    if (!flags->output_path.empty() && std::filesystem::exists(flags->output_path) && !flags->force) {
      throw Error(flags->output_path + ": already exists; pass --force to replace it");
    }
    const std::string text = ImportCsvIntoProfile(flags->table_path, flags->base_path, options);
    if (flags->output_path.empty()) {
      std::cout << text;
      return 0;
    }
    std::ofstream out(flags->output_path);
    if (!(out << text)) throw Error(flags->output_path + ": cannot write the file");
    return 0;
  };
}

}  // namespace dnnpart::cli
