using Cairn.Configuration;
using Xunit;

namespace Cairn.Integrations.MLNet.Tests;

public sealed class AutoConnectFrameworksTests
{
    [Fact]
    public void ClearMLs_argument_shapes_parse_and_a_missing_framework_stays_on()
    {
        var setting = AutoConnectFrameworks.Parse("""{"onnx": ["*.onnx"], "mlnet": false, "PyTorch": true}""");
        Assert.False(setting.Allows("mlnet", "/models/a.zip"));
        Assert.True(setting.Allows("onnx", "/models/a.onnx"));
        Assert.False(setting.Allows("onnx", "/models/a.ort"));
        Assert.True(setting.Allows(AutoConnectFrameworks.PyTorch, "/models/a.pt"));
        Assert.True(setting.Allows("somethingelse", "/models/a.bin"));
        Assert.False(AutoConnectFrameworks.Parse("false").Allows("mlnet", "a.zip"));
        Assert.True(AutoConnectFrameworks.Parse("true").Allows("mlnet", "a.zip"));
        // A wildcard may name the whole path, as ClearML's filter does.
        Assert.True(AutoConnectFrameworks.Parse("""{"mlnet": ["/keep/*"]}""").Allows("mlnet", "/keep/m.zip"));
    }

    [Theory]
    [InlineData("""{"mlnet": 3}""")]
    [InlineData("""{"mlnet": [1]}""")]
    [InlineData("[]")]
    [InlineData("{not json")]
    public void Other_shapes_are_refused_with_a_message_naming_the_setting(string json)
    {
        var error = Assert.Throws<ArgumentException>(() => AutoConnectFrameworks.Parse(json));
        Assert.Contains("auto_connect_frameworks", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_setting_is_read_from_clearml_conf()
    {
        var file = WriteConf("""
            sdk {
              development {
                auto_connect_frameworks {
                  mlnet: false
                  onnx: ["*.onnx", "*.ort"]
                }
              }
            }
            """);
        var setting = AutoConnectFrameworks.FromConfiguration(file);
        Assert.False(setting.Allows("mlnet", "m.zip"));
        Assert.True(setting.Allows("onnx", "m.ort"));
        Assert.False(setting.Allows("onnx", "m.bin"));
        Assert.True(setting.Allows("torchsharp", "m.pt"));

        Assert.False(AutoConnectFrameworks.FromConfiguration(WriteConf("sdk.development.auto_connect_frameworks: false")).Allows("mlnet", "m.zip"));
        Assert.True(AutoConnectFrameworks.FromConfiguration(WriteConf("sdk.development.log_os_info: true")).Allows("mlnet", "m.zip"));
    }

    [Fact]
    public void A_value_that_is_no_setting_in_clearml_conf_is_a_configuration_error()
    {
        var file = WriteConf("sdk.development.auto_connect_frameworks.mlnet: maybe");
        var error = Assert.Throws<ClearMLConfigurationException>(() => AutoConnectFrameworks.FromConfiguration(file));
        Assert.Contains("sdk.development.auto_connect_frameworks.mlnet", error.Message, StringComparison.Ordinal);
    }

    private static string WriteConf(string text)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("cairn-autoconnect-").FullName, "clearml.conf");
        File.WriteAllText(path, text);
        return path;
    }
}
