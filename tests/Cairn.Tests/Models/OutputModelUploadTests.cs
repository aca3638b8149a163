using System.Security.Cryptography;
using Cairn.Models;
using Xunit;

namespace Cairn.Tests.Models;

public sealed class OutputModelUploadTests(SdkServerFixture fixture) : IClassFixture<SdkServerFixture>
{
    private Task<Experiment> NewExperimentAsync(string prefix) =>
        Experiment.InitAsync(SdkServerFixture.UniqueProject(prefix) + " space", "upload run", outputUri: true, session: fixture.Session);

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public async Task Weights_upload_in_the_background_to_the_clearml_layout_with_size_and_hash_recorded()
    {
        var experiment = await NewExperimentAsync("upload");
        var path = fixture.WriteFile("upload/best weights.pt", 300_000, seed: 5);
        var model = new OutputModel(experiment, name: "uploaded", framework: null);

        var url = await model.UpdateWeightsAsync(path, iteration: 42);

        var quotedProject = Uri.EscapeDataString(experiment.ProjectName!).Replace("%2F", "/", StringComparison.Ordinal);
        Assert.Equal($"{fixture.FilesHost}/{quotedProject}/upload%20run.{experiment.Id}/models/best%20weights.pt", url);
        await OutputModel.WaitForUploadsAsync();
        var stored = await Model.GetAsync(model.Id, fixture.Session);
        Assert.Equal(url, stored.Url);
        Assert.Equal(Framework.PyTorch, stored.Framework);
        Assert.Equal(Sha256(path), stored.GetMetadata(WeightsIntegrity.Sha256Key));
        Assert.Equal(300_000L, stored.GetMetadataCasted(WeightsIntegrity.SizeKey));
        Assert.True(File.Exists(path), "the caller's weights file must never be deleted");
        Assert.Equal(model.Id, experiment.Models.Output["best weights"].Id);

        var copy = await new Model(model.Id, fixture.Session).GetLocalCopyAsync();
        Assert.NotEqual(Path.GetFullPath(path), copy);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(copy));
        Assert.Equal(copy, await stored.GetWeightsAsync());
    }

    [Fact]
    public async Task Re_using_one_output_model_overwrites_its_weights_and_readers_get_the_newest()
    {
        var experiment = await NewExperimentAsync("best");
        var model = new OutputModel(experiment, name: "best so far");
        var first = fixture.WriteFile("best/epoch1/best.bin", 50_000, seed: 1);
        var second = fixture.WriteFile("best/epoch2/best.bin", 50_000, seed: 2);

        var url1 = await model.UpdateWeightsAsync(first, iteration: 1);
        await OutputModel.WaitForUploadsAsync();
        var reader = await Model.GetAsync(model.Id, fixture.Session);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(await reader.GetLocalCopyAsync()));

        var url2 = await model.UpdateWeightsAsync(second, iteration: 2);
        await OutputModel.WaitForUploadsAsync();
        await reader.LoadAsync();

        Assert.Equal(url1, url2);
        Assert.Equal(Sha256(second), reader.GetMetadata(WeightsIntegrity.Sha256Key));
        Assert.Equal(File.ReadAllBytes(second), File.ReadAllBytes(await reader.GetLocalCopyAsync()));
        Assert.Single(experiment.Models.Output);
    }

    [Fact]
    public async Task A_folder_becomes_a_zip_package_that_comes_back_extracted_and_only_the_temporary_zip_is_deleted()
    {
        var experiment = await NewExperimentAsync("package");
        var a = fixture.WriteFile("package/ckpt/model.onnx", 20_000, seed: 3);
        var b = fixture.WriteFile("package/ckpt/vocab/tokens.txt", 1_000, seed: 4);
        var model = new OutputModel(experiment, name: "packaged");
        var tempZipsBefore = Directory.GetFiles(Path.GetTempPath(), "model_package.*.zip").ToHashSet();

        var url = await model.UpdateWeightsAsync(Path.GetDirectoryName(a)!);
        await OutputModel.WaitForUploadsAsync();

        Assert.EndsWith("/models/ckpt.zip", url);
        Assert.True(File.Exists(a) && File.Exists(b), "the caller's folder must be left as it was");
        Assert.DoesNotContain(Directory.GetFiles(Path.GetTempPath(), "model_package.*.zip"), z => !tempZipsBefore.Contains(z));
        var stored = await Model.GetAsync(model.Id, fixture.Session);
        Assert.True(stored.IsPackage);
        var folder = await stored.GetLocalCopyAsync();
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(Path.Combine(folder, "model.onnx")));
        Assert.Equal(File.ReadAllBytes(b), File.ReadAllBytes(Path.Combine(folder, "vocab", "tokens.txt")));
        Assert.Equal(folder, await stored.GetWeightsPackageAsync());

        var files = new OutputModel(experiment, name: "listed");
        var listedUrl = await files.UpdateWeightsPackageAsync(weightsFilenames: [a, b], targetFilename: "bundle");
        await OutputModel.WaitForUploadsAsync();
        Assert.EndsWith("/models/bundle.zip", listedUrl);
        var listed = await (await Model.GetAsync(files.Id, fixture.Session)).GetWeightsPackageAsync();
        Assert.True(File.Exists(Path.Combine(listed, "vocab", "tokens.txt")), "paths are kept relative to the files' common folder");
        await Assert.ThrowsAsync<InvalidOperationException>(NotAPackageAsync);

        // autoDeleteFile: false keeps even the SDK's own temporary zip.
        var kept = new OutputModel(experiment, name: "kept zip");
        await kept.UpdateWeightsPackageAsync(weightsPath: Path.GetDirectoryName(a)!, autoDeleteFile: false);
        await OutputModel.WaitForUploadsAsync();
        var leftZip = Assert.Single(Directory.GetFiles(Path.GetTempPath(), "model_package.*.zip"), z => !tempZipsBefore.Contains(z));
        File.Delete(leftZip);
    }

    private async Task NotAPackageAsync()
    {
        var plain = await InputModel.ImportModelAsync($"https://example.invalid/{Guid.NewGuid():N}.bin", session: fixture.Session);
        await plain.GetWeightsPackageAsync();
    }

    [Fact]
    public async Task A_failed_upload_surfaces_from_the_wait_and_leaves_the_uri_at_failed_uploading()
    {
        var experiment = await NewExperimentAsync("fail");
        var blocker = fixture.WriteFile("fail/not-a-folder", 10);
        var path = fixture.WriteFile("fail/weights.bin", 1_000);
        var model = new OutputModel(experiment, name: "doomed");

        var destination = new Uri(blocker).AbsoluteUri;
        await model.UpdateWeightsAsync(path, uploadUri: destination);
        var failure = await Assert.ThrowsAsync<ModelUploadException>(() => OutputModel.WaitForUploadsAsync());

        Assert.Equal(model.Id, failure.ModelId);
        var stored = await Model.GetAsync(model.Id, fixture.Session);
        Assert.Equal($"{destination}/failed_uploading", stored.Url);
        Assert.Null(stored.GetMetadata(WeightsIntegrity.Sha256Key));
        await OutputModel.WaitForUploadsAsync(); // Reported once, then gone.
        await Assert.ThrowsAsync<InvalidOperationException>(() => stored.GetLocalCopyAsync());
    }

    [Fact]
    public async Task A_download_that_does_not_match_the_recorded_hash_fails_and_leaves_no_file()
    {
        var experiment = await NewExperimentAsync("corrupt");
        var path = fixture.WriteFile("corrupt/w.bin", 10_000, seed: 9);
        var model = new OutputModel(experiment, name: "tampered");
        await model.UpdateWeightsAsync(path);
        await OutputModel.WaitForUploadsAsync();
        await model.SetMetadataAsync(WeightsIntegrity.Sha256Key, new string('0', 64), "str");

        var reader = await Model.GetAsync(model.Id, fixture.Session);
        var error = await Assert.ThrowsAsync<ModelIntegrityException>(() => reader.GetLocalCopyAsync(forceDownload: true));

        Assert.Equal(model.Id, error.ModelId);
        Assert.False(File.Exists(error.LocalPath), "a corrupt copy must not be left behind");
    }

    [Fact]
    public async Task Removing_a_model_deletes_its_weights_file_when_asked()
    {
        var experiment = await NewExperimentAsync("remove");
        var path = fixture.WriteFile("remove/w.bin", 1_000);
        var model = new OutputModel(experiment, name: "short-lived");
        var url = await model.UpdateWeightsAsync(path);
        await OutputModel.WaitForUploadsAsync();
        Assert.True(await experiment.Storage.ExistsAsync(url));

        Assert.True(await new Model(model.Id, fixture.Session).RemoveAsync(deleteWeightsFile: true, force: true));

        Assert.False(await experiment.Storage.ExistsAsync(url));
        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task Update_output_model_always_uploads_names_the_model_after_the_experiment_and_closing_waits_for_it()
    {
        var project = SdkServerFixture.UniqueProject("update");
        var experiment = await Experiment.InitAsync(project, "trainer", session: fixture.Session);
        Assert.Null(experiment.OutputUri);
        var path = fixture.WriteFile("update/final.pt", 64_000);

        var url = await experiment.UpdateOutputModelAsync(path, name: "final", comment: "done", tags: ["release"], iteration: 9);
        var second = await experiment.UpdateOutputModelAsync(fixture.WriteFile("update/aux.pt", 100), modelName: "aux model");
        await experiment.CloseAsync();

        Assert.StartsWith(fixture.FilesHost + "/", url);
        var models = (await Experiment.GetAsync(experiment.Id, fixture.Session)).Models;
        Assert.Equal(2, models.Output.Count);
        var final = models.Output["final"];
        Assert.Equal("trainer - final", final.Name);
        Assert.Equal(url, final.Url);
        Assert.Equal(["release"], final.Tags);
        Assert.Contains("done", final.Comment);
        Assert.Equal("aux model", models.Output[^1].Name);
        Assert.Equal(second, models.Output[^1].Url);
        Assert.Equal("completed", experiment.Status);
        Assert.Equal("modelPath", (await Assert.ThrowsAsync<ArgumentException>(() => experiment.UpdateOutputModelAsync(path + ".missing"))).ParamName);
    }

    [Fact]
    public async Task A_failed_upload_found_while_closing_marks_the_experiment_failed()
    {
        var experiment = await NewExperimentAsync("closefail");
        var blocker = fixture.WriteFile("closefail/file", 1);
        var model = new OutputModel(experiment, name: "never stored");
        await model.UpdateWeightsAsync(fixture.WriteFile("closefail/w.bin", 100), uploadUri: new Uri(blocker).AbsoluteUri);

        await Assert.ThrowsAsync<ModelUploadException>(async () =>
        {
            await using (experiment)
            {
            }
        });

        Assert.True(experiment.IsFailed);
        Assert.Equal("failed", (await Experiment.GetAsync(experiment.Id, fixture.Session)).Status);
    }
}
