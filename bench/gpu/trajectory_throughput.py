"""Measures how fast a GPU generates DSNO trajectory records with PyTorch, for the projections in docs/scaling.md.

A DDPM-style U-Net of the paper's CIFAR-10 size (128 channels, multipliers 1,2,2,2, 2 residual blocks per level, attention at 16x16;
about 36M parameters) and an ImageNet-64-size one (192 channels, 1,2,3,4, 3 blocks, attention at 32,16,8) run the DDIM update for a
few steps at a large batch in bfloat16; records per hour at 512 steps follow from the time per step. Random weights: speed does not
depend on them. Usage: python3 trajectory_throughput.py > gpu.json
"""
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
    args = t[:, None].float() * 1000 * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class Res(nn.Module):
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(32, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.e = nn.Linear(emb, 2 * cout)
        self.n2, self.c2 = nn.GroupNorm(32, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.c1(F.silu(self.n1(x)))
        scale, shift = self.e(F.silu(e))[:, :, None, None].chunk(2, dim=1)
        h = self.n2(h) * (1 + scale) + shift
        return self.skip(x) + self.c2(F.silu(h))


class Attn(nn.Module):
    def __init__(self, c, heads=4):
        super().__init__()
        self.n, self.qkv, self.o, self.heads = nn.GroupNorm(32, c), nn.Conv2d(c, 3 * c, 1), nn.Conv2d(c, c, 1), heads

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.n(x)).reshape(b, 3, self.heads, c // self.heads, h * w).unbind(1)
        y = F.scaled_dot_product_attention(q.transpose(-1, -2), k.transpose(-1, -2), v.transpose(-1, -2))
        return x + self.o(y.transpose(-1, -2).reshape(b, c, h, w))


class UNet(nn.Module):
    def __init__(self, ch, mult, blocks, attn_res, res):
        super().__init__()
        emb = 4 * ch
        self.ch, self.emb = ch, nn.Sequential(nn.Linear(ch, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.stem = nn.Conv2d(3, ch, 3, padding=1)
        self.down, chans, c, r = nn.ModuleList(), [ch], ch, res
        for i, m in enumerate(mult):
            for _ in range(blocks):
                self.down.append(nn.ModuleList([Res(c, ch * m, emb), Attn(ch * m) if r in attn_res else nn.Identity()]))
                c = ch * m
                chans.append(c)
            if i < len(mult) - 1:
                self.down.append(nn.Conv2d(c, c, 3, stride=2, padding=1)); chans.append(c); r //= 2
        self.mid = nn.ModuleList([Res(c, c, emb), Attn(c), Res(c, c, emb)])
        self.up = nn.ModuleList()
        for i, m in reversed(list(enumerate(mult))):
            for _ in range(blocks + 1):
                self.up.append(nn.ModuleList([Res(c + chans.pop(), ch * m, emb), Attn(ch * m) if r in attn_res else nn.Identity()]))
                c = ch * m
            if i > 0:
                self.up.append(nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(c, c, 3, padding=1))); r *= 2
        self.out = nn.Sequential(nn.GroupNorm(32, c), nn.SiLU(), nn.Conv2d(c, 3, 3, padding=1))

    def forward(self, x, t):
        e = self.emb(timestep_embedding(t, self.ch))
        h = self.stem(x); hs = [h]
        for layer in self.down:
            h = layer[1](layer[0](h, e)) if isinstance(layer, nn.ModuleList) else layer(h)
            hs.append(h)
        h = self.mid[2](self.mid[1](self.mid[0](h, e)), e)
        for layer in self.up:
            h = layer[1](layer[0](torch.cat([h, hs.pop()], 1), e)) if isinstance(layer, nn.ModuleList) else layer(h)
        return self.out(h)


def measure(name, net, res, batch, steps=6):
    net = net.cuda().eval()
    params = sum(p.numel() for p in net.parameters())
    x = torch.randn(batch, 3, res, res, device="cuda")
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        for _ in range(2):
            net(x, torch.full((batch,), 0.5, device="cuda"))
        torch.cuda.synchronize()
        start = time.perf_counter()
        for s in range(steps):
            t = 1 - s / steps
            eps = net(x, torch.full((batch,), t, device="cuda"))
            x = x - 0.01 * eps.float()  # a DDIM-shaped update; its cost is negligible next to the network
        torch.cuda.synchronize()
    per_step = (time.perf_counter() - start) / steps
    records_per_hour_512 = batch / (per_step * 512) * 3600
    return {"model": name, "parameters": params, "resolution": res, "batch": batch, "seconds_per_step": per_step,
            "records_per_gpu_hour_ddim512": records_per_hour_512}


if __name__ == "__main__":
    torch.backends.cudnn.benchmark = True
    results = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "runs": []}
    results["runs"].append(measure("cifar10-size", UNet(128, [1, 2, 2, 2], 2, {16}, 32), 32, 1024))
    results["runs"].append(measure("imagenet64-size", UNet(192, [1, 2, 3, 4], 3, {32, 16, 8}, 64), 64, 256))
    json.dump(results, sys.stdout, indent=1)
    print(file=sys.stderr)
