-- Headless Neovim as the editor: open FILE in WS with `iacguard lsp` attached, wait for its
-- diagnostics and write them to OUT as "CODE LINE COL" lines (0-based positions).
local root, file, out = os.getenv("IACGUARD_WS"), os.getenv("IACGUARD_FILE"), os.getenv("IACGUARD_OUT")
vim.cmd("edit " .. vim.fn.fnameescape(file))
local config = { name = "iacguard", cmd = { os.getenv("IACGUARD_PYTHON"), "-m", "iacguard", "lsp" },
                 root_dir = root }
if vim.lsp.start then  -- Neovim 0.8+
  vim.lsp.start(config)
else
  vim.lsp.buf_attach_client(0, vim.lsp.start_client(config))
end
vim.wait(120000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or "?"
  table.insert(lines, string.format("%s %d %d", code, d.lnum, d.col))
end
vim.fn.writefile(lines, out)
vim.cmd("qa!")
