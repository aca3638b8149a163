using Cairn.Core.Projects;
using Cairn.Core.Querying;
using Xunit;

namespace Cairn.Store.Contracts;

/// <summary>The store as a whole: schema migrations (<c>IMetadataStore.MigrateAsync</c>).</summary>
public abstract class MetadataStoreContract(IStoreProvider provider) : StoreContract(provider)
{
    protected override bool MigrateBeforeEachTest => false;

    [Fact]
    public async Task Migrating_a_new_store_brings_it_to_the_latest_schema_version()
    {
        await Store.MigrateAsync();

        Assert.True(Provider.LatestSchemaVersion > 0);
        Assert.Equal(Provider.LatestSchemaVersion, await Store.GetSchemaVersionAsync());
    }

    [Fact]
    public async Task Migrating_again_is_a_no_op_that_keeps_the_data()
    {
        await Store.MigrateAsync();
        var created = await Store.Projects.CreateAsync(
            new NewProject(Company, "user", ProjectName.Parse("Kept/Across/Migrations"), null, [], [], null), Now);

        await Store.MigrateAsync();

        Assert.Equal(Provider.LatestSchemaVersion, await Store.GetSchemaVersionAsync());
        var project = await Store.Projects.GetByIdOrNullAsync(Company, created.Id!);
        Assert.Equal("Kept/Across/Migrations", project?.Name);
    }

    [Fact]
    public async Task A_migrated_store_starts_empty()
    {
        await Store.MigrateAsync();

        Assert.Equal(0, await Store.Identity.CountUsersAsync());
        Assert.Empty(await Store.Projects.QueryAsync(Company, new EntityQuery([], [], 0, EntityQuery.MaxPageSize)));
    }
}
