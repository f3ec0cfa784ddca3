/* The book has no formulae; this stub stands where Sphinx would load MathJax from a CDN. */
