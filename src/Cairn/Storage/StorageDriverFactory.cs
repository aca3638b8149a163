using System.Diagnostics.CodeAnalysis;
using System.Collections.Concurrent;
using System.Reflection;
using Cairn.Session;

namespace Cairn.Storage;

/// <summary>
/// Makes the driver for one URL scheme. Driver packages (<c>Cairn.Storage.S3</c>, <c>Cairn.Storage.Azure</c>,
/// <c>Cairn.Storage.Gcs</c>) name theirs with <see cref="StorageDriverFactoryAttribute"/>, so adding the
/// package is all a program does: the SDK loads it the first time it meets the scheme.
/// </summary>
public interface IStorageDriverFactory
{
    /// <summary>Checks the shape of <paramref name="url"/> without configuration or network (e.g. that it names a bucket).</summary>
    /// <exception cref="ArgumentException">The URL cannot be stored to; the message names it.</exception>
    void CheckUrl(Uri url);

    /// <summary>A driver reading its configuration from <paramref name="session"/>'s settings.</summary>
    IStorageDriver Create(ClearMLSession session);
}

/// <summary>Names the <see cref="IStorageDriverFactory"/> a driver assembly provides for <see cref="Scheme"/>.</summary>
/// <param name="scheme">The URL scheme served (<c>s3</c>, <c>azure</c>, <c>gs</c>).</param>
/// <param name="factoryType">A public type implementing <see cref="IStorageDriverFactory"/> with a public parameterless constructor.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class StorageDriverFactoryAttribute(string scheme, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type factoryType) : Attribute
{
    /// <summary>The URL scheme served.</summary>
    public string Scheme { get; } = scheme;

    /// <summary>The factory type.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type FactoryType { get; } = factoryType;
}

/// <summary>Finds the driver package for an object-store scheme, loading its assembly by name.</summary>
internal static class StorageDriverCatalog
{
    /// <summary>The package (and assembly) that serves each object-store scheme.</summary>
    public static readonly IReadOnlyDictionary<string, string> Packages = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["s3"] = "Cairn.Storage.S3",
        ["azure"] = "Cairn.Storage.Azure",
        ["gs"] = "Cairn.Storage.Gcs",
    };

    private static readonly ConcurrentDictionary<string, IStorageDriverFactory?> Factories = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The factory for <paramref name="scheme"/>; null when it is not an object-store scheme or its package is not referenced.</summary>
    public static IStorageDriverFactory? Find(string scheme) => Factories.GetOrAdd(scheme, static s =>
    {
        if (!Packages.TryGetValue(s, out var assemblyName))
        {
            return null;
        }
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(assemblyName);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        var attribute = assembly.GetCustomAttributes<StorageDriverFactoryAttribute>()
            .FirstOrDefault(a => a.Scheme.Equals(s, StringComparison.OrdinalIgnoreCase));
        return attribute is null ? null : (IStorageDriverFactory?)Activator.CreateInstance(attribute.FactoryType);
    });

    /// <summary>The factory for <paramref name="url"/>'s object-store scheme, after checking the URL's shape.</summary>
    /// <exception cref="ArgumentException">The driver package is not referenced, or the URL names no bucket.</exception>
    public static IStorageDriverFactory Require(Uri url)
    {
        var factory = Find(url.Scheme) ?? throw new ArgumentException(
            $"No storage driver serves the '{url.Scheme}' scheme of {url}: add the NuGet package {Packages[url.Scheme]} to the program.", nameof(url));
        factory.CheckUrl(url);
        return factory;
    }
}
