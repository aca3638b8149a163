using Xunit;

namespace Cairn.Tests.Models;

/// <summary>The process-wide default upload URI is global state: these tests run alone.</summary>
[CollectionDefinition(nameof(DefaultUploadUriCollection), DisableParallelization = true)]
public sealed class DefaultUploadUriCollection;

[Collection(nameof(DefaultUploadUriCollection))]
public sealed class DefaultUploadUriTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    [Fact]
    public async Task The_default_upload_uri_applies_online_after_the_models_own_destination()
    {
        var experiment = await Experiment.InitAsync(SdkServerFixture.UniqueProject("default"), "default dest", session: fixture.Session);
        var folder = Directory.CreateTempSubdirectory("cairn-default-dest-").FullName;
        var own = Directory.CreateTempSubdirectory("cairn-own-dest-").FullName;
        try
        {
            OutputModel.SetDefaultUploadUri(folder);
            var byDefault = new OutputModel(experiment, name: "by default");
            var withOwn = new OutputModel(experiment, name: "own");
            withOwn.SetUploadDestination(own);

            var url = await byDefault.UpdateWeightsAsync(fixture.WriteFile("default/w.bin", 2_000));
            var ownUrl = await withOwn.UpdateWeightsAsync(fixture.WriteFile("default/o.bin", 2_000));
            await OutputModel.WaitForUploadsAsync();

            Assert.StartsWith(new Uri(folder).AbsoluteUri + "/", url);
            Assert.StartsWith(new Uri(own).AbsoluteUri + "/", ownUrl);
            Assert.True(File.Exists(new Uri(url).LocalPath));
            Assert.Equal(new Uri(url).LocalPath, await (await Model.GetAsync(byDefault.Id, fixture.Session)).GetLocalCopyAsync());
        }
        finally
        {
            OutputModel.SetDefaultUploadUri(null);
            Directory.Delete(folder, recursive: true);
            Directory.Delete(own, recursive: true);
        }
    }
}
