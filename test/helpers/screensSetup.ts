// Ink paints nothing while CI is set (ink.md §2.1): remove it before Ink is imported.
delete process.env.CI;
process.env.FORCE_COLOR = '0';
