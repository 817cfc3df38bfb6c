/**
 * Bundles the browser-test page: the panel's real components (grafana-panel-plugin/src) fed by
 * the data source's real query code (grafana-datasource-plugin/src), with @grafana/* bundled in
 * (no Grafana server on the CI machine). Built by the Playwright global setup.
 */
const path = require('path');

module.exports = (outDir) => ({
  mode: 'development',
  devtool: false,
  context: __dirname,
  entry: { harness: './index.tsx' },
  output: { path: outDir, filename: '[name].js', publicPath: '/build/' },
  resolve: {
    extensions: ['.tsx', '.ts', '.mjs', '.js', '.json'],
    fallback: { fs: false, path: false, os: false, crypto: false },
  },
  module: {
    rules: [
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      {
        test: /\.[tj]sx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              baseUrl: __dirname,
              target: 'es2020',
              parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
              transform: { react: { runtime: 'automatic' } },
            },
          },
        },
      },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(png|jpe?g|gif|svg|woff2?|eot|ttf|otf)$/, type: 'asset/resource' },
    ],
  },
  performance: { hints: false },
  stats: 'errors-warnings',
});

module.exports.HARNESS_DIR = __dirname;
// Under dist/: ignored by git, ESLint and Prettier like every build output.
module.exports.DEFAULT_OUT_DIR = path.join(__dirname, '..', 'dist', 'harness');
