/**
 * Plots and tables that render everywhere: in JupyterLab 4 and Notebook 7 (no RequireJS, no network),
 * in nbconvert HTML exports, in untrusted or JavaScript-stripped views, and in experiment reports.
 *
 * <ul>
 *   <li>{@link org.attnlab.viz.Plots} makes {@link org.attnlab.viz.Figure}s from Tablesaw tables or
 *       arrays: training curves, grouped bars, attention heatmaps (one head or a grid), layer x head
 *       score grids, accuracy by length. {@link org.attnlab.viz.Tables} renders tables.</li>
 *   <li>A figure's notebook output is its {@link org.attnlab.viz.Displayable#mimeBundle() MIME bundle}:
 *       text/html holding a static SVG (as a data-URI image) that a script replaces with the plotly.js
 *       plot, image/svg+xml, text/plain. plotly.js (npm {@code plotly.js-dist-min}, see
 *       {@link org.attnlab.viz.PlotlyJs}) is inlined by the first figure of a kernel session.</li>
 *   <li>{@link org.attnlab.viz.AttentionViewer} is an interactive attention viewer (hover a token to shade what it
 *       attends to or what attends to it; layer and head selectors; small multiples of a layer's heads): plain HTML
 *       and one inline script, no plotly, no network; its static image is the selected head's heatmap.</li>
 *   <li>The kernel-specific part is {@link org.attnlab.viz.RapaioDisplayProvider} alone, found by
 *       ServiceLoader; a figure or table ending a cell, {@code display(x)}, or {@code x.show()} renders.</li>
 *   <li>{@link org.attnlab.viz.Report} writes the same figures into an HTML folder that works offline.</li>
 *   <li>{@code tools/check_figures.py} opens exported notebooks in headless Chromium without network
 *       and checks that every figure drew all its traces and carries its static image; {@code tools/check_viewer.py}
 *       hovers every attention viewer's tokens there and compares the shading with the weights.</li>
 * </ul>
 */
package org.attnlab.viz;
