"""The Scrapy project: settings, the outlet spider, the pipeline into the hook chain, custom commands."""
