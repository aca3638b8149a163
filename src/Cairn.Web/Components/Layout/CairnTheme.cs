using MudBlazor;

namespace Cairn.Web.Components.Layout;

/// <summary>One palette and type scale for every page; fonts are the system's, so nothing is fetched from the internet.</summary>
public static class CairnTheme
{
    private static readonly string[] FontStack =
        ["Inter", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#2f5d8a",
            Secondary = "#6b7a8f",
            Tertiary = "#3f8f7a",
            Info = "#2f7ab8",
            Success = "#2e7d4f",
            Warning = "#b7791f",
            Error = "#c0392b",
            AppbarBackground = "#1f2a37",
            AppbarText = "#f3f5f7",
            Background = "#f5f7fa",
            Surface = "#ffffff",
            DrawerBackground = "#ffffff",
            DrawerText = "#334155",
            TextPrimary = "#1f2933",
            TextSecondary = "#5b6675",
            LinesDefault = "#e3e8ef",
            TableLines = "#e9edf2",
            TableHover = "#f1f5fb",
            ActionDefault = "#5b6675",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = FontStack, FontSize = ".875rem", LineHeight = "1.5" },
            H4 = new H4Typography { FontFamily = FontStack, FontSize = "1.6rem", FontWeight = "600", LineHeight = "1.25" },
            H5 = new H5Typography { FontFamily = FontStack, FontSize = "1.3rem", FontWeight = "600", LineHeight = "1.3" },
            H6 = new H6Typography { FontFamily = FontStack, FontSize = "1.05rem", FontWeight = "600", LineHeight = "1.4" },
            Button = new ButtonTypography { FontFamily = FontStack, FontWeight = "600", TextTransform = "none" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "6px", DrawerWidthLeft = "220px" },
    };
}
